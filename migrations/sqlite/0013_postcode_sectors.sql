-- Search at scale (issue 7), continued: a postcode search read in name order by sector.
--
-- A postcode's sector is its outward code and the inward code's digit ("ST5 1GY" is in
-- sector "ST5 1"); the last two characters (the unit) are always letters (shared/postcode.rs).
-- So a search prefix that ends in a digit ("ST5 1", "ST5") matches exactly the people whose
-- sector starts with it, and a sector's people are in name order in this index: the page is
-- the top of one short index walk per sector (a district has at most ten), not a sort of
-- every match (393 people in a sector of the 100k-record benchmark, 3,984 in a district).
-- Generated from postcode_key, so it can never disagree with it (VIRTUAL: SQLite cannot add
-- a STORED column to a table; the index holds its values).

ALTER TABLE people ADD COLUMN postcode_sector TEXT
    GENERATED ALWAYS AS (substr(postcode_key, 1, length(postcode_key) - 2)) VIRTUAL;
CREATE INDEX people_postcode_sector ON people (postcode_sector, status, family_name, first_name);

-- How many people there are per (sector, status), kept by triggers as name_token_counts is
-- (migration 0012): a postcode search that stops within the sector counts its matches as a
-- sum over its few sectors instead of reading one index entry per person.
CREATE TABLE postcode_sector_counts (
    sector TEXT    NOT NULL,
    status TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (sector, status)
) WITHOUT ROWID;
INSERT INTO postcode_sector_counts (sector, status, n)
    SELECT postcode_sector, status, COUNT(*) FROM people GROUP BY postcode_sector, status;

CREATE TRIGGER postcode_sector_counts_insert AFTER INSERT ON people
BEGIN
    INSERT INTO postcode_sector_counts (sector, status, n) VALUES (NEW.postcode_sector, NEW.status, 1)
    ON CONFLICT (sector, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER postcode_sector_counts_delete AFTER DELETE ON people
BEGIN
    UPDATE postcode_sector_counts SET n = n - 1 WHERE sector = OLD.postcode_sector AND status = OLD.status;
END;
CREATE TRIGGER postcode_sector_counts_update AFTER UPDATE OF postcode_key, status ON people
WHEN OLD.postcode_sector IS NOT NEW.postcode_sector OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE postcode_sector_counts SET n = n - 1 WHERE sector = OLD.postcode_sector AND status = OLD.status;
    INSERT INTO postcode_sector_counts (sector, status, n) VALUES (NEW.postcode_sector, NEW.status, 1)
    ON CONFLICT (sector, status) DO UPDATE SET n = n + 1;
END;
