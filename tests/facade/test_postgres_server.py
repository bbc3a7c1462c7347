"""The PostgreSQL server the tests share (tests/postgres_server.py, the `postgres_url`
fixture): real, reached over loopback, and a database of its own for each test."""

from __future__ import annotations

from tests.postgres_server import PostgresServer


def test_each_test_gets_a_new_empty_database_of_the_shared_server(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    import psycopg  # here, not at the top: every xdist worker collects this module

    with psycopg.connect(postgres_url, autocommit=True) as mine:
        tables = mine.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)
        mine.execute("CREATE TABLE kept (n int)")
    other = postgres_server.create_database()
    with psycopg.connect(other, autocommit=True) as theirs:
        found = theirs.execute("SELECT to_regclass('public.kept')").fetchone()
        assert found == (None,), "a table of one test's database is in no other"
        user = theirs.execute("SELECT current_setting('data_directory')").fetchone()
        assert user is not None
        assert str(user[0]).startswith(str(postgres_server.folder))
