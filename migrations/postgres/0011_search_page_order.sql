-- Name search pages (issue 7): within one word, the index lists entries in name order, so
-- the page of a search is the top of a few short index walks (one per word starting with
-- what was typed) instead of a sort of every match. lcp moves to the end: it is only ever
-- filtered on, never sought.
DROP INDEX name_tokens_search;
CREATE INDEX name_tokens_search ON name_tokens (token, status, family_name, first_name, person_id, lcp);
