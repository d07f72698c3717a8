-- Search at scale (issue 7), continued: a postcode search read in name order by sector.
--
-- A postcode's sector is its outward code and the inward code's digit ("ST5 1GY" is in
-- sector "ST5 1"); the last two characters (the unit) are always letters (shared/postcode.rs).
-- So a search prefix that ends in a digit ("ST5 1", "ST5") matches exactly the people whose
-- sector starts with it, and a sector's people are in name order in this index: the page is
-- the top of one short index walk per sector (a district has at most ten), not a sort of
-- every match (393 people in a sector of the 100k-record benchmark, 3,984 in a district).
-- Generated from postcode_key, so it can never disagree with it.

ALTER TABLE people ADD COLUMN postcode_sector TEXT COLLATE "C"
    GENERATED ALWAYS AS (left(postcode_key, -2)) STORED;
CREATE INDEX people_postcode_sector ON people (postcode_sector, status, family_name, first_name, id);

-- How many people there are per (sector, status), kept by triggers as name_token_counts is
-- (migration 0012): a postcode search that stops within the sector counts its matches as a
-- sum over its few sectors instead of reading one index entry per person.
CREATE TABLE postcode_sector_counts (
    sector TEXT   COLLATE "C" NOT NULL,
    status TEXT   NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (sector, status)
);
INSERT INTO postcode_sector_counts (sector, status, n)
    SELECT postcode_sector, status, COUNT(*) FROM people GROUP BY postcode_sector, status;

-- One statement-level trigger per kind of change, each adding up its rows' changes first (a
-- bulk upload is one upsert), taking its counters in key order; an update that moves no one
-- between sectors or statuses writes nothing.
CREATE FUNCTION postcode_sector_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO postcode_sector_counts AS c (sector, status, n)
        SELECT postcode_sector, status, COUNT(*) FROM new_rows
        GROUP BY postcode_sector, status ORDER BY postcode_sector, status
        ON CONFLICT (sector, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO postcode_sector_counts AS c (sector, status, n)
        SELECT postcode_sector, status, -COUNT(*) FROM old_rows
        GROUP BY postcode_sector, status ORDER BY postcode_sector, status
        ON CONFLICT (sector, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO postcode_sector_counts AS c (sector, status, n)
        SELECT postcode_sector, status, SUM(d) FROM (
            SELECT postcode_sector, status, -1 AS d FROM old_rows
            UNION ALL
            SELECT postcode_sector, status, 1 AS d FROM new_rows) AS changes
        GROUP BY postcode_sector, status HAVING SUM(d) <> 0 ORDER BY postcode_sector, status
        ON CONFLICT (sector, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER postcode_sector_counts_insert AFTER INSERT ON people
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION postcode_sector_counts_follow();
CREATE TRIGGER postcode_sector_counts_delete AFTER DELETE ON people
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION postcode_sector_counts_follow();
CREATE TRIGGER postcode_sector_counts_update AFTER UPDATE ON people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION postcode_sector_counts_follow();
