-- Reference lists (drop-downs): one table for every list, keyed by (list, code).
-- Values are never deleted once used: administrators retire them (active = 0).
CREATE TABLE reference_values (
    list          TEXT    NOT NULL,
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1,
    sort_order    BIGINT  NOT NULL DEFAULT 0,
    valid_from    DATE,
    valid_to      DATE,
    -- other accepted spellings, '|'-separated (legacy CCG names, ODS short names)
    aliases       TEXT    NOT NULL DEFAULT '',
    -- list-specific facts as a JSON object
    attributes    TEXT    NOT NULL DEFAULT '{}',
    -- true for values an administrator added (not from the bundled reference files)
    locally_added BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (list, code)
);
CREATE INDEX reference_values_list_sort ON reference_values (list, active, sort_order);
