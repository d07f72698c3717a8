-- Search at scale (issue 7). A name or postcode search counts its matches and picks the page
-- (sorted by name) from one index alone, without visiting a row of people per match: the
-- name-token rows carry the person's status and names, and the postcode index carries status
-- and names too (SQLite adds the row id to every index). Only the page's rows (at most 100)
-- are then read from people.
--
-- `lcp` lets a prefix search count each person once without a DISTINCT (a sort of every
-- match): it is the length, in characters, of the longest common prefix of this token and
-- the person's previous token in byte order (0 for the first). A person's tokens that start
-- with a prefix q are consecutive in that order, and exactly the first of them has
-- lcp < length(q).

ALTER TABLE name_tokens ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE name_tokens ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE name_tokens ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE name_tokens ADD COLUMN lcp INTEGER NOT NULL DEFAULT 0;
UPDATE name_tokens SET
    status = (SELECT p.status FROM people p WHERE p.id = name_tokens.person_id),
    family_name = (SELECT p.family_name FROM people p WHERE p.id = name_tokens.person_id),
    first_name = (SELECT p.first_name FROM people p WHERE p.id = name_tokens.person_id);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
UPDATE name_tokens SET lcp = COALESCE((
    SELECT MAX(n.i) FROM n,
        (SELECT MAX(p.token) AS prev FROM name_tokens p
         WHERE p.person_id = name_tokens.person_id AND p.token < name_tokens.token) AS pr
    WHERE n.i <= length(name_tokens.token) AND substr(name_tokens.token, 1, n.i) = substr(pr.prev, 1, n.i)), 0);
CREATE INDEX name_tokens_search ON name_tokens (token, status, lcp, family_name, first_name, person_id);
-- Two-word searches check the other words of each candidate by person.
DROP INDEX name_tokens_person;
CREATE INDEX name_tokens_person ON name_tokens (person_id, token);

-- The copies follow the person whatever changes it (the store inserts tokens with them).
CREATE TRIGGER people_name_tokens_follow AFTER UPDATE OF status, family_name, first_name ON people
WHEN OLD.status IS NOT NEW.status OR OLD.family_name IS NOT NEW.family_name OR OLD.first_name IS NOT NEW.first_name
BEGIN
    UPDATE name_tokens SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
END;

CREATE INDEX people_postcode_search ON people (postcode_key, status, family_name, first_name);
DROP INDEX people_postcode;
