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
    token  TEXT    NOT NULL,
    status TEXT    NOT NULL,
    lcp    INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (token, status, lcp)
) WITHOUT ROWID;
INSERT INTO name_token_counts (token, status, lcp, n)
    SELECT token, status, lcp, COUNT(*) FROM name_tokens GROUP BY token, status, lcp;

CREATE TRIGGER name_token_counts_insert AFTER INSERT ON name_tokens
BEGIN
    INSERT INTO name_token_counts (token, status, lcp, n) VALUES (NEW.token, NEW.status, NEW.lcp, 1)
    ON CONFLICT (token, status, lcp) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER name_token_counts_delete AFTER DELETE ON name_tokens
BEGIN
    UPDATE name_token_counts SET n = n - 1 WHERE token = OLD.token AND status = OLD.status AND lcp = OLD.lcp;
END;
CREATE TRIGGER name_token_counts_update AFTER UPDATE OF token, status, lcp ON name_tokens
WHEN OLD.token IS NOT NEW.token OR OLD.status IS NOT NEW.status OR OLD.lcp IS NOT NEW.lcp
BEGIN
    UPDATE name_token_counts SET n = n - 1 WHERE token = OLD.token AND status = OLD.status AND lcp = OLD.lcp;
    INSERT INTO name_token_counts (token, status, lcp, n) VALUES (NEW.token, NEW.status, NEW.lcp, 1)
    ON CONFLICT (token, status, lcp) DO UPDATE SET n = n + 1;
END;

CREATE TABLE name_pairs (
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token       TEXT    NOT NULL,
    other       TEXT    NOT NULL,
    lcp         INTEGER NOT NULL,
    other_lcp   INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    family_name TEXT    NOT NULL,
    first_name  TEXT    NOT NULL,
    PRIMARY KEY (token, other, person_id)
) WITHOUT ROWID; -- the rows are the search index: a range of (token, other) holds all a match needs
INSERT INTO name_pairs (person_id, token, other, lcp, other_lcp, status, family_name, first_name)
    SELECT a.person_id, a.token, b.token, a.lcp, b.lcp, a.status, a.family_name, a.first_name
    FROM name_tokens a JOIN name_tokens b ON b.person_id = a.person_id AND b.token <> a.token;
CREATE INDEX name_pairs_person ON name_pairs (person_id);

DROP TRIGGER people_name_tokens_follow;
CREATE TRIGGER people_name_tokens_follow AFTER UPDATE OF status, family_name, first_name ON people
WHEN OLD.status IS NOT NEW.status OR OLD.family_name IS NOT NEW.family_name OR OLD.first_name IS NOT NEW.first_name
BEGIN
    UPDATE name_tokens SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    UPDATE name_pairs SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
END;
