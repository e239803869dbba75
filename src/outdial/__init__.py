"""outdial: outbound voice campaigns behind a Kore.ai-compatible Campaign Management API.

The top package holds only the version. `app.create_app` builds the HTTP service, `cli` the
command line; resource packages (campaign, contact_list, dnc, flow, apps) each own their
endpoints, schemas, services and repositories, and `kit` holds framework-free plumbing.
"""

__version__ = "0.1.0"
