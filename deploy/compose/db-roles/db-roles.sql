-- The stack's PostgreSQL roles, applied by db-roles.sh on every `up`, so a data
-- volume created before these roles existed is brought up to date too (the
-- image's /docker-entrypoint-initdb.d runs only on an empty volume).
-- Idempotent: a second run changes no role, grant or owner.
--
--   todo          the image's superuser (POSTGRES_USER): administration and this
--                 script only; nothing in the stack connects as it any more
--   todo_owner    owns the schema's objects and runs the migrations (migrate)
--   todo_api      the API: rows only (SELECT, INSERT, UPDATE, DELETE), sequences
--   todo_monitor  postgres-exporter: pg_monitor, no table rights
--
-- Each has its own generated password in the app-secrets volume (secrets-init).

-- A failing statement must not reach the server log with its text: the ALTER
-- ROLE statements below carry passwords.
SET log_min_error_statement = panic;
SET log_statement = none;

-- psql strips the trailing newline; the files have none anyway.
\set owner_password `cat /run/app-secrets/db_owner_password`
\set api_password `cat /run/app-secrets/db_api_password`
\set monitor_password `cat /run/app-secrets/db_monitor_password`

SELECT format('CREATE ROLE %I', name)
FROM unnest(ARRAY['todo_owner', 'todo_api', 'todo_monitor']) AS name
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name)
\gexec

-- Every attribute spelled out, so a role someone changed by hand is put back.
ALTER ROLE todo_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE todo_api WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'api_password';
-- INHERIT: pg_monitor's rights work through membership.
ALTER ROLE todo_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'monitor_password';
GRANT pg_monitor TO todo_monitor;

-- Only the owner creates objects in the schema (PostgreSQL 15+ already revokes
-- CREATE from PUBLIC; said again for databases upgraded from older versions).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO todo_owner;
GRANT USAGE ON SCHEMA public TO todo_api;
SELECT format('GRANT CONNECT ON DATABASE %I TO todo_owner, todo_api, todo_monitor', current_database())
\gexec

-- Objects created before the owner role existed (by the superuser, which the
-- API used to connect as) move to it. Indexes and identity or serial sequences
-- follow their table.
DO $$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND c.relowner <> 'todo_owner'::regrole
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO todo_owner',
            CASE obj.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            obj.relname);
    END LOOP;
END
$$;

-- The API's rights on what exists, and on what the owner's future migrations
-- create. That includes schema_migrations, which the API only reads (readiness):
-- narrowing it would need a step after each migration run, for a table whose
-- rows name migrations and nothing else.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO todo_api;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO todo_api;
ALTER DEFAULT PRIVILEGES FOR ROLE todo_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO todo_api;
ALTER DEFAULT PRIVILEGES FOR ROLE todo_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO todo_api;
