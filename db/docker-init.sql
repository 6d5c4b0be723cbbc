-- The product's own database beside Temporal's, on the compose file's PostgreSQL.
CREATE USER spartoo WITH PASSWORD 'spartoo';
CREATE DATABASE spartoo_sync OWNER spartoo;
