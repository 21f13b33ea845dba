-- Databases of the compose stack (run once, on an empty data volume, as POSTGRES_USER).
CREATE DATABASE registry;
CREATE DATABASE outbox;
CREATE DATABASE console;
