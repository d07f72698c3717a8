-- Search at scale (issue 7), continued.
--
-- 1. name_token_counts: how many name_tokens rows there are per (token, status, lcp), kept by
--    triggers. A one-word search counts its matches as a sum over the few distinct tokens
--    that start with the word (`lcp < length(word)`, as in migration 0007) instead of
--    walking one index entry per matching person.
-- 2. name_pairs: for each person, every ordered pair of two different name tokens, carrying
--    both tokens' lcp and the person's status and names like name_tokens. A search of two
--    words (neither the start of the other) reads exactly the people who match both from a
--    range on this index, instead of checking the other word for every person who matches
--    one. The store writes the pairs with the tokens; a trigger keeps their copies current.

CREATE TABLE name_token_counts (
    token  TEXT    COLLATE "C" NOT NULL,
    status TEXT    NOT NULL,
    lcp    INTEGER NOT NULL,
    n      BIGINT  NOT NULL,
    PRIMARY KEY (token, status, lcp)
);
INSERT INTO name_token_counts (token, status, lcp, n)
    SELECT token, status, lcp, COUNT(*) FROM name_tokens GROUP BY token, status, lcp;

-- One statement-level trigger per kind of change, each adding up its rows' changes first: a
-- bulk upload's insert of a thousand people is one upsert, not a thousand. The upsert takes
-- its counters in key order, so two transactions never take two counters in opposite order
-- within one statement.
CREATE FUNCTION name_token_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO name_token_counts AS c (token, status, lcp, n)
        SELECT token, status, lcp, COUNT(*) FROM new_rows
        GROUP BY token, status, lcp ORDER BY token, status, lcp
        ON CONFLICT (token, status, lcp) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO name_token_counts AS c (token, status, lcp, n)
        SELECT token, status, lcp, -COUNT(*) FROM old_rows
        GROUP BY token, status, lcp ORDER BY token, status, lcp
        ON CONFLICT (token, status, lcp) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO name_token_counts AS c (token, status, lcp, n)
        SELECT token, status, lcp, SUM(d) FROM (
            SELECT token, status, lcp, -1 AS d FROM old_rows
            UNION ALL
            SELECT token, status, lcp, 1 AS d FROM new_rows) AS changes
        GROUP BY token, status, lcp HAVING SUM(d) <> 0 ORDER BY token, status, lcp
        ON CONFLICT (token, status, lcp) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER name_token_counts_insert AFTER INSERT ON name_tokens
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION name_token_counts_follow();
CREATE TRIGGER name_token_counts_delete AFTER DELETE ON name_tokens
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION name_token_counts_follow();
CREATE TRIGGER name_token_counts_update AFTER UPDATE ON name_tokens
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION name_token_counts_follow();

CREATE TABLE name_pairs (
    person_id   BIGINT  NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token       TEXT    COLLATE "C" NOT NULL,
    other       TEXT    COLLATE "C" NOT NULL,
    lcp         INTEGER NOT NULL,
    other_lcp   INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    family_name TEXT    NOT NULL,
    first_name  TEXT    NOT NULL,
    -- The key's index is the search index: a range of (token, other) answers a match from
    -- the index alone (an index-only scan).
    PRIMARY KEY (token, other, person_id) INCLUDE (lcp, other_lcp, status, family_name, first_name)
);
INSERT INTO name_pairs (person_id, token, other, lcp, other_lcp, status, family_name, first_name)
    SELECT a.person_id, a.token, b.token, a.lcp, b.lcp, a.status, a.family_name, a.first_name
    FROM name_tokens a JOIN name_tokens b ON b.person_id = a.person_id AND b.token <> a.token;
CREATE INDEX name_pairs_person ON name_pairs (person_id);

CREATE OR REPLACE FUNCTION people_name_tokens_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE name_tokens SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    UPDATE name_pairs SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    RETURN NULL;
END;
$$;
