-- Search at scale (issue 7). A name or postcode search counts its matches and picks the page
-- (sorted by name) from one index alone (an index-only scan), without visiting a row of
-- people per match: the name-token rows carry the person's status and names, and the
-- postcode index carries status and names too. Only the page's rows (at most 100) are then
-- read from people.
--
-- `lcp` lets a prefix search count each person once without a DISTINCT (a sort of every
-- match): it is the length, in characters, of the longest common prefix of this token and
-- the person's previous token in byte order (0 for the first). A person's tokens that start
-- with a prefix q are consecutive in that order, and exactly the first of them has
-- lcp < length(q).

ALTER TABLE name_tokens
    ADD COLUMN status TEXT NOT NULL DEFAULT 'active',
    ADD COLUMN family_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN first_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN lcp INTEGER NOT NULL DEFAULT 0;
UPDATE name_tokens t SET status = p.status, family_name = p.family_name, first_name = p.first_name
FROM people p WHERE p.id = t.person_id;
UPDATE name_tokens t SET lcp = x.lcp
FROM (SELECT w.person_id, w.token,
             COALESCE((SELECT MAX(n) FROM generate_series(1, length(w.token)) AS n
                       WHERE substr(w.token, 1, n) = substr(w.prev, 1, n)), 0) AS lcp
      FROM (SELECT person_id, token, LAG(token) OVER (PARTITION BY person_id ORDER BY token) AS prev
            FROM name_tokens) AS w) AS x
WHERE t.person_id = x.person_id AND t.token = x.token;
CREATE INDEX name_tokens_search ON name_tokens (token, status, lcp, family_name, first_name, person_id);
-- Two-word searches check the other words of each candidate by person.
DROP INDEX name_tokens_person;
CREATE INDEX name_tokens_person ON name_tokens (person_id, token);

-- The copies follow the person whatever changes it (the store inserts tokens with them).
CREATE FUNCTION people_name_tokens_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE name_tokens SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER people_name_tokens_follow AFTER UPDATE OF status, family_name, first_name ON people
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.family_name IS DISTINCT FROM NEW.family_name
          OR OLD.first_name IS DISTINCT FROM NEW.first_name)
    EXECUTE FUNCTION people_name_tokens_follow();

CREATE INDEX people_postcode_search ON people (postcode_key, status, family_name, first_name, id);
DROP INDEX people_postcode;
