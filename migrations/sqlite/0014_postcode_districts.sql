-- Search at scale (issue 7), continued: a postcode district read in name order as one walk.
--
-- A search prefix that ends in a digit matches a person exactly when their district (outward
-- code: the postcode without its last three characters) starts with it, or their sector is
-- it (shared/postcode.rs, `district_or_sector_matches`). Each district's people are in name
-- order in this index, so "ST5" is the top of one index walk instead of one per sector (nine,
-- then a sort of their tops), and "B1" of eleven (B1, B10-B19) instead of about a hundred.
-- Counts still come from postcode_sector_counts (migration 0013). Generated from
-- postcode_key, so it can never disagree with it (VIRTUAL: SQLite cannot add a STORED column
-- to a table; the index holds its values).

ALTER TABLE people ADD COLUMN postcode_district TEXT
    GENERATED ALWAYS AS (substr(postcode_key, 1, length(postcode_key) - 3)) VIRTUAL;
CREATE INDEX people_postcode_district ON people (postcode_district, status, family_name, first_name);
