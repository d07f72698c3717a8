-- Search at scale (issue 7), continued: one-word name searches read one index walk.
--
-- name_prefixes holds, for each person, every different prefix of their name tokens (as
-- characters), carrying the person's status and names like name_tokens. A search of one word
-- is then `prefix = word`: the person's rows for it are already in name order under
-- (prefix, status), so a page is the top of one walk, each person appears once, and no
-- list of the tokens that start with the word has to be read first.
--
-- A person's prefixes that are new with a token are those longer than its common prefix with
-- the token before it in byte order (`lcp`, migration 0007): a prefix shared with any earlier
-- token is shared with the one just before. So the rows are the prefixes of lengths
-- lcp + 1 ..= length(token) of each token: about eleven per person.
-- Counts still come from name_token_counts (migration 0012).
--
-- No foreign key to people: its check, run for every row, tripled the time to add the rows
-- of a bulk upload (a 20,000-row upload's processing went from 4.0 s without the prefixes to
-- 10.7 s with the key, 5.1 s without it, on PostgreSQL, whose upload transaction plans each
-- statement afresh, the key's check included). The store writes and removes a person's
-- prefixes with their tokens, and a trigger removes them with the person whatever deletes it.

CREATE TABLE name_prefixes (
    prefix      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    family_name TEXT    NOT NULL,
    first_name  TEXT    NOT NULL,
    person_id   INTEGER NOT NULL,
    PRIMARY KEY (prefix, status, family_name, first_name, person_id)
) WITHOUT ROWID; -- the rows are the search index: a page is read from them alone
-- fill: (tests/blackbox/records.rs runs this statement again and compares)
WITH RECURSIVE lengths(n) AS (
    SELECT 1 UNION ALL SELECT n + 1 FROM lengths WHERE n < (SELECT MAX(length(token)) FROM name_tokens))
INSERT INTO name_prefixes (prefix, status, family_name, first_name, person_id)
    SELECT substr(t.token, 1, l.n), t.status, t.family_name, t.first_name, t.person_id
    FROM name_tokens t JOIN lengths l ON l.n > t.lcp AND l.n <= length(t.token);
-- end of fill
CREATE INDEX name_prefixes_person ON name_prefixes (person_id);

DROP TRIGGER people_name_tokens_follow;
CREATE TRIGGER people_name_tokens_follow AFTER UPDATE OF status, family_name, first_name ON people
WHEN OLD.status IS NOT NEW.status OR OLD.family_name IS NOT NEW.family_name OR OLD.first_name IS NOT NEW.first_name
BEGIN
    UPDATE name_tokens SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    UPDATE name_pairs SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
    UPDATE name_prefixes SET status = NEW.status, family_name = NEW.family_name, first_name = NEW.first_name
    WHERE person_id = NEW.id;
END;

CREATE TRIGGER people_name_prefixes_delete AFTER DELETE ON people
BEGIN
    DELETE FROM name_prefixes WHERE person_id = OLD.id;
END;
