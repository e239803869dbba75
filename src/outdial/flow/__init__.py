"""Experience flows: the named targets an answered Agentless call is handed to.

A campaign names its flow (`experienceFlowName`); the first time a stream uses a name, a flow
with a stable `cf-` id is registered. Its telephony target is configured separately (see
`outdial.trunk`). May import models and kit.
"""
