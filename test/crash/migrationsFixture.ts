/**
 * The 30 migrations the crash campaign and the race run: tables with foreign keys, data loads
 * (so a kill often lands inside a transaction), a table rebuild, views, triggers, renames, a
 * DROP TABLE, and four `-- rebound:no-transaction` files (WAL switch, VACUUM, ANALYZE) whose
 * partial state recover has to undo statement by statement.
 */
export interface FixtureMigration {
  fileName: string;
  text: string;
}

const rows = (n: number) => `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n})`;

function m(up: string[], down: string[], noTransaction = false): string {
  return [...(noTransaction ? ['-- rebound:no-transaction'] : []), '-- rebound:up', ...up.map((s) => `${s};`), '', '-- rebound:down', ...down.map((s) => `${s};`), ''].join('\n');
}

const AUDIT_TRIGGER =
  "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN\n  INSERT INTO audit (what, at) VALUES ('order ' || new.id || CASE WHEN new.total > 100 THEN ' big' ELSE '' END, 0);\nEND";
const ACCOUNT_TOTALS = 'CREATE VIEW account_totals AS SELECT a.id, a.name, sum(o.total) AS total FROM accounts a LEFT JOIN orders o ON o.account_id = a.id GROUP BY a.id';

/** `scale` multiplies the data volumes (1 = the campaign's sizes). */
export function crashFixture(scale = 1): FixtureMigration[] {
  const n = (x: number) => Math.max(10, Math.round(x * scale));
  const list: Array<[string, string]> = [
    ['accounts', m(['CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER)', 'CREATE INDEX accounts_name ON accounts(name)'], ['DROP INDEX accounts_name', 'DROP TABLE accounts'])],
    ['seed_accounts', m([`${rows(n(3000))} INSERT INTO accounts (id, name, created_at) SELECT x, 'user' || x, 1700000000 + x FROM c`], ['DELETE FROM accounts'])],
    [
      'orders',
      m(
        ['CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, total REAL)', 'CREATE INDEX orders_account ON orders(account_id)'],
        ['DROP INDEX orders_account', 'DROP TABLE orders'],
      ),
    ],
    ['seed_orders', m([`${rows(n(6000))} INSERT INTO orders (id, account_id, total) SELECT x, 1 + (x % ${n(3000)}), x * 0.25 FROM c`], ['DELETE FROM orders'])],
    ['account_email', m(['ALTER TABLE accounts ADD COLUMN email TEXT', "UPDATE accounts SET email = name || '@example.test'"], ['ALTER TABLE accounts DROP COLUMN email'])],
    ['account_totals', m([ACCOUNT_TOTALS], ['DROP VIEW account_totals'])],
    [
      'audit',
      m(
        [
          'CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL, at INTEGER)',
          AUDIT_TRIGGER,
        ],
        ['DROP TRIGGER orders_audit', 'DROP TABLE audit'],
      ),
    ],
    [
      'wal_settings',
      m(
        ['PRAGMA journal_mode = WAL', 'CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT)', `${rows(n(3000))} INSERT INTO settings (k, v) SELECT 'key' || x, 'value' || x FROM c`],
        ['DROP TABLE settings'],
        true,
      ),
    ],
    [
      'orders_rebuild',
      m(
        [
          'DROP VIEW account_totals',
          "CREATE TABLE orders_new (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, total REAL, status TEXT NOT NULL DEFAULT 'new')",
          'INSERT INTO orders_new (id, account_id, total) SELECT id, account_id, total FROM orders',
          'DROP TABLE orders',
          'ALTER TABLE orders_new RENAME TO orders',
          'CREATE INDEX orders_account ON orders(account_id)',
          AUDIT_TRIGGER,
          ACCOUNT_TOTALS,
        ],
        [
          'DROP VIEW account_totals',
          'CREATE TABLE orders_old (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, total REAL)',
          'INSERT INTO orders_old (id, account_id, total) SELECT id, account_id, total FROM orders',
          'DROP TABLE orders',
          'ALTER TABLE orders_old RENAME TO orders',
          'CREATE INDEX orders_account ON orders(account_id)',
          AUDIT_TRIGGER,
          ACCOUNT_TOTALS,
        ],
      ),
    ],
    ['products', m(['CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT NOT NULL)', `${rows(n(2000))} INSERT INTO products (id, title) SELECT x, 'product ' || x FROM c`], ['DROP TABLE products'])],
    [
      'order_items',
      m(
        [
          'CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL REFERENCES products(id), qty INTEGER NOT NULL)',
          `${rows(n(8000))} INSERT INTO order_items (order_id, product_id, qty) SELECT 1 + (x % ${n(6000)}), 1 + (x % ${n(2000)}), 1 + x % 5 FROM c`,
        ],
        ['DROP TABLE order_items'],
      ),
    ],
    ['order_items_index', m(['CREATE INDEX order_items_order ON order_items(order_id, product_id)'], ['DROP INDEX order_items_order'])],
    ['product_price', m(['ALTER TABLE products ADD COLUMN price REAL NOT NULL DEFAULT 0', 'UPDATE products SET price = id * 1.5'], ['ALTER TABLE products DROP COLUMN price'])],
    [
      'tags_vacuum',
      m(
        [
          'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
          'CREATE INDEX tags_name ON tags(name)',
          `${rows(n(6000))} INSERT INTO tags (id, name) SELECT x, 'tag' || x FROM c`,
          'ALTER TABLE tags ADD COLUMN color TEXT',
          'VACUUM',
        ],
        ['DROP INDEX tags_name', 'DROP TABLE tags'],
        true,
      ),
    ],
    ['sessions', m(['CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id), token TEXT)', `${rows(n(3000))} INSERT INTO sessions SELECT x, 1 + x % ${n(3000)}, hex(randomblob(8)) FROM c`], ['DROP TABLE sessions'])],
    ['prune_sessions', m(['DELETE FROM sessions WHERE id % 2 = 0'], [])],
    [
      'accounts_touch',
      m(["CREATE TRIGGER accounts_touch AFTER UPDATE OF name ON accounts BEGIN\n  UPDATE accounts SET created_at = 0 WHERE id = new.id;\nEND"], ['DROP TRIGGER accounts_touch']),
    ],
    ['rename_email', m(['ALTER TABLE accounts RENAME COLUMN email TO email_address'], ['ALTER TABLE accounts RENAME COLUMN email_address TO email'])],
    ['logs', m(['CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT)', `${rows(n(10000))} INSERT INTO logs (id, msg) SELECT x, 'log line ' || x FROM c`], ['DROP TABLE logs'])],
    ['reindex_orders', m(['DROP INDEX orders_account', 'CREATE INDEX orders_account_total ON orders(account_id, total)'], ['DROP INDEX orders_account_total', 'CREATE INDEX orders_account ON orders(account_id)'])],
    ['log_level', m(['ALTER TABLE logs ADD COLUMN level INTEGER NOT NULL DEFAULT 0'], ['ALTER TABLE logs DROP COLUMN level'])],
    [
      'metrics',
      m(
        [
          'CREATE TABLE metrics (id INTEGER PRIMARY KEY, name TEXT, value REAL)',
          `${rows(n(8000))} INSERT INTO metrics (id, name, value) SELECT x, 'm' || (x % 50), x / 7.0 FROM c`,
          'CREATE INDEX metrics_name ON metrics(name)',
          'ANALYZE',
        ],
        ['DROP INDEX metrics_name', 'DROP TABLE metrics'],
        true,
      ),
    ],
    ['big_orders', m(['CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100'], ['DROP VIEW big_orders'])],
    ['paid_orders', m(["UPDATE orders SET status = 'paid' WHERE id % 3 = 0"], ["UPDATE orders SET status = 'new'"])],
    ['archive', m(['CREATE TABLE archive AS SELECT id, msg FROM logs WHERE id <= 5000'], ['DROP TABLE archive'])],
    ['archive_rename', m(['ALTER TABLE archive RENAME TO logs_archive'], ['ALTER TABLE logs_archive RENAME TO archive'])],
    ['drop_sessions', m(['DROP TABLE sessions'], ['CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id), token TEXT)'])],
    [
      'notes',
      m(
        ["CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id), body TEXT NOT NULL CHECK (length(body) > 0), 'quoted;name' TEXT)", `${rows(n(2000))} INSERT INTO notes (id, account_id, body) SELECT x, 1 + x % ${n(3000)}, 'note; with -- no comment ' || x FROM c`],
        ['DROP TABLE notes'],
      ),
    ],
    ['unique_titles', m(['CREATE UNIQUE INDEX products_title ON products(title)'], ['DROP INDEX products_title'])],
    ['final_marker', m(['CREATE TABLE final_marker (x INTEGER)', 'INSERT INTO final_marker VALUES (30)', 'PRAGMA wal_checkpoint(TRUNCATE)'], ['DROP TABLE final_marker'], true)],
  ];
  return list.map(([name, text], i) => ({ fileName: `${String(i + 1).padStart(4, '0')}_${name}.sql`, text }));
}

/**
 * The PostgreSQL campaign's 30 migrations: tables with foreign keys, identity and enum columns,
 * data loads, a backfill of 200,000 rows (at scale 1) in a transaction, a table rebuild, views, a
 * PL/pgSQL trigger, renames, a DROP TABLE, and `-- rebound:no-transaction` files with
 * CREATE INDEX CONCURRENTLY (one on the backfilled table) whose partial state recover has to undo.
 */
export function crashFixturePostgres(scale = 1): FixtureMigration[] {
  const n = (x: number) => Math.max(10, Math.round(x * scale));
  const big = n(200_000);
  const series = (k: number) => `generate_series(1, ${k}) AS g`;
  const TOUCH_FN =
    "CREATE FUNCTION notes_touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN NEW.updated_at := 1700000000; IF NEW.body = '''' THEN NEW.body := ''-''; END IF; RETURN NEW; END'";
  const list: Array<[string, string]> = [
    ['accounts', m(['CREATE TABLE accounts (id BIGINT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT)', 'CREATE INDEX accounts_name ON accounts (name)'], ['DROP INDEX accounts_name', 'DROP TABLE accounts'])],
    ['seed_accounts', m([`INSERT INTO accounts (id, name, created_at) SELECT g, 'user' || g, 1700000000 + g FROM ${series(n(3000))}`], ['DELETE FROM accounts'])],
    [
      'orders',
      m(
        ['CREATE TABLE orders (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, total NUMERIC(12, 2))', 'CREATE INDEX orders_account ON orders (account_id)'],
        ['DROP INDEX orders_account', 'DROP TABLE orders'],
      ),
    ],
    ['seed_orders', m([`INSERT INTO orders (id, account_id, total) SELECT g, 1 + (g % ${n(3000)}), g * 0.25 FROM ${series(n(6000))}`], ['DELETE FROM orders'])],
    ['account_email', m(['ALTER TABLE accounts ADD COLUMN email TEXT', "UPDATE accounts SET email = name || '@example.test'"], ['ALTER TABLE accounts DROP COLUMN email'])],
    ['account_totals', m(['CREATE VIEW account_totals AS SELECT a.id, a.name, sum(o.total) AS total FROM accounts a LEFT JOIN orders o ON o.account_id = a.id GROUP BY a.id, a.name'], ['DROP VIEW account_totals'])],
    ['event_kind', m(["CREATE TYPE event_kind AS ENUM ('view', 'click', 'buy')"], ['DROP TYPE event_kind'])],
    [
      'events',
      m(
        [
          'CREATE TABLE events (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id), kind event_kind NOT NULL, at BIGINT NOT NULL)',
          `INSERT INTO events (account_id, kind, at) SELECT 1 + (g % ${n(3000)}), (ARRAY['view', 'click', 'buy'])[1 + g % 3]::event_kind, 1700000000 + g FROM ${series(big)}`,
        ],
        ['DROP TABLE events'],
      ),
    ],
    // The backfill: every one of the events rows rewritten in one transaction.
    ['events_day', m(['ALTER TABLE events ADD COLUMN day INTEGER', 'UPDATE events SET day = (at / 86400)::int'], ['ALTER TABLE events DROP COLUMN day'])],
    [
      'events_indexes',
      m(
        [
          'CREATE TABLE event_tags (id BIGINT PRIMARY KEY, event_id BIGINT NOT NULL, tag TEXT NOT NULL)',
          `INSERT INTO event_tags (id, event_id, tag) SELECT g, g, 'tag' || (g % 100) FROM ${series(n(50_000))}`,
          'CREATE INDEX CONCURRENTLY events_account_day ON events (account_id, day)',
          'CREATE INDEX CONCURRENTLY event_tags_tag ON event_tags (tag)',
        ],
        ['DROP INDEX CONCURRENTLY event_tags_tag', 'DROP INDEX CONCURRENTLY events_account_day', 'DROP TABLE event_tags'],
        true,
      ),
    ],
    ['products', m(['CREATE TABLE products (id BIGINT PRIMARY KEY, title TEXT NOT NULL)', `INSERT INTO products (id, title) SELECT g, 'product ' || g FROM ${series(n(2000))}`], ['DROP TABLE products'])],
    [
      'order_items',
      m(
        [
          'CREATE TABLE order_items (order_id BIGINT NOT NULL REFERENCES orders (id), product_id BIGINT NOT NULL REFERENCES products (id), qty INTEGER NOT NULL CHECK (qty > 0))',
          `INSERT INTO order_items (order_id, product_id, qty) SELECT 1 + (g % ${n(6000)}), 1 + (g % ${n(2000)}), 1 + g % 5 FROM ${series(n(8000))}`,
        ],
        ['DROP TABLE order_items'],
      ),
    ],
    ['product_price', m(['ALTER TABLE products ADD COLUMN price NUMERIC(10, 2) NOT NULL DEFAULT 0', 'UPDATE products SET price = id * 1.5'], ['ALTER TABLE products DROP COLUMN price'])],
    [
      'orders_rebuild',
      m(
        [
          'DROP VIEW account_totals',
          "CREATE TABLE orders_new (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, total NUMERIC(12, 2), status TEXT NOT NULL DEFAULT 'new')",
          'INSERT INTO orders_new (id, account_id, total) SELECT id, account_id, total FROM orders',
          'ALTER TABLE order_items DROP CONSTRAINT order_items_order_id_fkey',
          'DROP TABLE orders',
          'ALTER TABLE orders_new RENAME TO orders',
          'ALTER INDEX orders_new_pkey RENAME TO orders_pkey',
          'ALTER TABLE orders RENAME CONSTRAINT orders_new_account_id_fkey TO orders_account_id_fkey',
          'ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id)',
          'CREATE INDEX orders_account ON orders (account_id)',
          'CREATE VIEW account_totals AS SELECT a.id, a.name, sum(o.total) AS total FROM accounts a LEFT JOIN orders o ON o.account_id = a.id GROUP BY a.id, a.name',
        ],
        ['ALTER TABLE orders DROP COLUMN status'],
      ),
    ],
    ['sessions', m(['CREATE TABLE sessions (id BIGINT PRIMARY KEY, account_id BIGINT REFERENCES accounts (id), token TEXT)', `INSERT INTO sessions SELECT g, 1 + g % ${n(3000)}, md5(g::text) FROM ${series(n(3000))}`], ['DROP TABLE sessions'])],
    ['prune_sessions', m(['DELETE FROM sessions WHERE id % 2 = 0'], [])],
    ['rename_email', m(['ALTER TABLE accounts RENAME COLUMN email TO email_address'], ['ALTER TABLE accounts RENAME COLUMN email_address TO email'])],
    ['logs', m(['CREATE TABLE logs (id BIGINT PRIMARY KEY, msg TEXT)', `INSERT INTO logs (id, msg) SELECT g, 'log line ' || g FROM ${series(n(10_000))}`], ['DROP TABLE logs'])],
    ['reindex_orders', m(['DROP INDEX orders_account', 'CREATE INDEX orders_account_total ON orders (account_id, total)'], ['DROP INDEX orders_account_total', 'CREATE INDEX orders_account ON orders (account_id)'])],
    ['log_level', m(['ALTER TABLE logs ADD COLUMN level INTEGER NOT NULL DEFAULT 0'], ['ALTER TABLE logs DROP COLUMN level'])],
    [
      'metrics',
      m(
        [
          'CREATE TABLE metrics (id BIGINT PRIMARY KEY, name TEXT, value DOUBLE PRECISION)',
          `INSERT INTO metrics (id, name, value) SELECT g, 'm' || (g % 50), g / 7.0 FROM ${series(n(8000))}`,
          'CREATE INDEX CONCURRENTLY metrics_name ON metrics (name)',
          'ANALYZE metrics',
        ],
        ['DROP INDEX CONCURRENTLY metrics_name', 'DROP TABLE metrics'],
        true,
      ),
    ],
    ['big_orders', m(['CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100'], ['DROP VIEW big_orders'])],
    ['paid_orders', m(["UPDATE orders SET status = 'paid' WHERE id % 3 = 0"], ["UPDATE orders SET status = 'new'"])],
    ['archive', m(['CREATE TABLE archive AS SELECT id, msg FROM logs WHERE id <= 5000'], ['DROP TABLE archive'])],
    ['archive_rename', m(['ALTER TABLE archive RENAME TO logs_archive'], ['ALTER TABLE logs_archive RENAME TO archive'])],
    ['drop_sessions', m(['DROP TABLE sessions'], ['CREATE TABLE sessions (id BIGINT PRIMARY KEY, account_id BIGINT REFERENCES accounts (id), token TEXT)'])],
    [
      'notes',
      m(
        [
          'CREATE TABLE notes (id BIGINT PRIMARY KEY, account_id BIGINT REFERENCES accounts (id), body TEXT NOT NULL CHECK (length(body) > 0), updated_at BIGINT, "quoted;name" TEXT)',
          TOUCH_FN,
          'CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION notes_touch()',
          `INSERT INTO notes (id, account_id, body) SELECT g, 1 + g % ${n(3000)}, 'note; with -- no comment ' || g FROM ${series(n(2000))}`,
        ],
        ['DROP TABLE notes', 'DROP FUNCTION notes_touch()'],
      ),
    ],
    ['unique_titles', m(['CREATE UNIQUE INDEX products_title ON products (title)'], ['DROP INDEX products_title'])],
    ['order_seq', m(['CREATE SEQUENCE order_numbers START 1000', "ALTER TABLE orders ADD COLUMN number BIGINT NOT NULL DEFAULT nextval('order_numbers')"], ['ALTER TABLE orders DROP COLUMN number', 'DROP SEQUENCE order_numbers'])],
    ['final_marker', m(['CREATE TABLE final_marker (x INTEGER)', 'INSERT INTO final_marker VALUES (30)', 'CREATE INDEX CONCURRENTLY final_marker_x ON final_marker (x)'], ['DROP INDEX CONCURRENTLY final_marker_x', 'DROP TABLE final_marker'], true)],
  ];
  return list.map(([name, text], i) => ({ fileName: `${String(i + 1).padStart(4, '0')}_${name}.sql`, text }));
}
