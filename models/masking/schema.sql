-- Tables of the masking demo (models/masking/masking.xml). Run by <execute uri="schema.sql">
-- inside the run's transaction; dropping first lets the demo run again.
DROP TABLE IF EXISTS customers_masked;
DROP TABLE IF EXISTS customers;

CREATE TABLE customers (
  id          INTEGER PRIMARY KEY,
  given_name  TEXT NOT NULL,
  family_name TEXT NOT NULL,
  email       TEXT NOT NULL,
  phone       TEXT,
  city        TEXT,
  birthdate   DATE,
  vip         BOOLEAN NOT NULL
);

-- Same columns: the masked copy for a test environment.
CREATE TABLE customers_masked (
  id          INTEGER PRIMARY KEY,
  given_name  TEXT NOT NULL,
  family_name TEXT NOT NULL,
  email       TEXT NOT NULL,
  phone       TEXT,
  city        TEXT,
  birthdate   DATE,
  vip         BOOLEAN NOT NULL
);
