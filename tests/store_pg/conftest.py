from tests.store.conftest import lw  # noqa: F401  (fixtures for this directory)
from tests.store_pg.cluster import pg_server, pg_url  # noqa: F401
