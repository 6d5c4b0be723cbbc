-- Spartoo writes its dates (date_purchased, last_modified, return_date) as Paris wall-clock time; they
-- used to be read as UTC, so every instant stored from one is off by Paris's offset (1 h in winter,
-- 2 h in summer). Data only: each is re-read as Paris time, i.e. the stored instant's UTC wall clock
-- taken in Europe/Paris, with the daylight-saving edges as spartoo/values.ts reads them: a wall time
-- Paris lives twice (autumn) is its first occurrence, one it skips (spring) the instant just after the
-- gap. Nothing here depends on the session's TimeZone. The two helper functions live only for the
-- migration's transaction (in the schema the tables are in, which a migration may write anyway).
CREATE FUNCTION spartoo_sync_0001_paris_time(stored timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE
    -- PostgreSQL reads a repeated time as the second occurrence (standard time): take the first.
    WHEN (paris - interval '1 hour') AT TIME ZONE 'Europe/Paris' = wall THEN paris - interval '1 hour'
    -- A skipped time (02:00-02:59 on the spring day): the gap ends on the next whole hour.
    WHEN paris AT TIME ZONE 'Europe/Paris' <> wall
      THEN (date_trunc('hour', wall) + interval '1 hour') AT TIME ZONE 'Europe/Paris'
    ELSE paris
  END
  FROM (SELECT wall, wall AT TIME ZONE 'Europe/Paris' AS paris
        FROM (SELECT stored AT TIME ZONE 'UTC' AS wall) AS utc) AS r
$$;
--> statement-breakpoint
-- The same for the ISO strings (Date.toISOString) kept in orders.detail; '' (no date) stays ''.
CREATE FUNCTION spartoo_sync_0001_paris_iso(stored text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN stored ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$'
      THEN to_char(spartoo_sync_0001_paris_time(stored::timestamptz) AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ELSE stored
  END
$$;
--> statement-breakpoint
UPDATE "orders" SET "purchased_at" = spartoo_sync_0001_paris_time("purchased_at");
--> statement-breakpoint
UPDATE "orders"
SET "detail" = jsonb_set("detail", '{spartoo,datePurchased}',
                         to_jsonb(spartoo_sync_0001_paris_iso("detail" #>> '{spartoo,datePurchased}')))
WHERE jsonb_typeof("detail" #> '{spartoo,datePurchased}') = 'string';
--> statement-breakpoint
UPDATE "orders"
SET "detail" = jsonb_set("detail", '{spartoo,lastModified}',
                         to_jsonb(spartoo_sync_0001_paris_iso("detail" #>> '{spartoo,lastModified}')))
WHERE jsonb_typeof("detail" #> '{spartoo,lastModified}') = 'string';
--> statement-breakpoint
UPDATE "returns" SET "returned_at" = spartoo_sync_0001_paris_time("returned_at")
WHERE "returned_at" IS NOT NULL;
--> statement-breakpoint
DROP FUNCTION spartoo_sync_0001_paris_iso(text);
--> statement-breakpoint
DROP FUNCTION spartoo_sync_0001_paris_time(timestamptz);
