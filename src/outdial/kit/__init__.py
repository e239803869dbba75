"""Framework-light plumbing shared by every resource package.

Database engines and sessions (`db`), the Kore error envelope (`errors`), JWT auth and tenancy
(`auth`), E.164 numbers and time zones (`phone`), identifiers (`ids`), time formatting
(`timefmt`) and route registration under every documented path prefix (`routing`). Nothing
here imports a resource package.
"""
