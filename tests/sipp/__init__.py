"""SIPp scenarios (XML) and the harness that runs them as the far end of the SIP tests."""
