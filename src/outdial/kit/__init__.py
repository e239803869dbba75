"""Framework-light plumbing shared by every resource package.

Database engines and sessions (`db`), the tenant-scoped repository base (`repository`), the
Kore error envelope (`errors`), JWT verification and the `Tenant` (`auth`), E.164 numbers and
time zones (`phone`), identifiers (`ids`), clocks (`clock`), time formatting (`timefmt`) and
route registration under every documented path prefix (`routing`). Imports no other outdial
package (not even models): everything else builds on it.
"""
