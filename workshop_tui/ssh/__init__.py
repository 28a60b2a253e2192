"""The SSH server: one process, one event loop, one `WorkshopApp` per terminal session.

`server.SshServer` listens with asyncssh and checks passwords against the workshop's accounts;
`session.AppSession` runs an app on one PTY shell through `driver.SshDriver`; `sftp` serves each
account's upload folder. Importing this package starts nothing.
"""

import warnings

with warnings.catch_warnings():
    # asyncssh still names DSA keys, which `cryptography` deprecates, once at import; we never use them.
    warnings.filterwarnings("ignore", message=".*DSA.*")
    import asyncssh  # noqa: F401
