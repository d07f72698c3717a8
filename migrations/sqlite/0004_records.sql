-- People on the register and their entitlement episodes.

CREATE TABLE people (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- the register ID
    nhs_number           TEXT,                   -- 10 digits
    source_system_id     TEXT,
    first_name           TEXT    NOT NULL,
    family_name          TEXT    NOT NULL,
    -- normalised "first|family" for duplicate detection (case, accents, punctuation folded)
    name_key             TEXT    NOT NULL,
    date_of_birth        DATE    NOT NULL,
    gender               TEXT    NOT NULL,
    ethnicity            TEXT,
    address_line_1       TEXT,
    address_line_2       TEXT,
    address_line_3       TEXT,
    town                 TEXT,
    postcode             TEXT    NOT NULL,       -- normalised, "ST5 1DS"
    postcode_key         TEXT    NOT NULL,       -- without the space, for prefix search
    learning_disability  TEXT    NOT NULL,
    gp_practice          TEXT,
    notes                TEXT,
    status               TEXT    NOT NULL CHECK (status IN ('active', 'ended')),
    -- the responsibility of the open (or latest) episode, for listing and filtering
    current_la           TEXT    NOT NULL,
    current_commissioner TEXT    NOT NULL,
    version              BIGINT  NOT NULL DEFAULT 1,
    created_at           TEXT    NOT NULL,
    created_by           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    updated_by           TEXT    NOT NULL
);
CREATE UNIQUE INDEX people_nhs_number ON people (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE UNIQUE INDEX people_source_system_id ON people (source_system_id) WHERE source_system_id IS NOT NULL;
CREATE INDEX people_name_dob ON people (name_key, date_of_birth);
CREATE INDEX people_postcode ON people (postcode_key);
CREATE INDEX people_status ON people (status, family_name, first_name, id);
CREATE INDEX people_la ON people (current_la, status);
CREATE INDEX people_commissioner ON people (current_commissioner, status);

-- Normalised words of each person's names: partial-name search is a prefix range scan on
-- this index, never a scan of people.
CREATE TABLE name_tokens (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token     TEXT    NOT NULL,
    PRIMARY KEY (token, person_id)
);
CREATE INDEX name_tokens_person ON name_tokens (person_id);

CREATE TABLE episodes (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id                INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    date_detained            DATE    NOT NULL,
    qualifying_section       TEXT    NOT NULL,
    place_detained           TEXT,
    s117_start_date          DATE    NOT NULL,
    responsible_la           TEXT    NOT NULL,   -- ONS code, as at detention
    responsible_commissioner TEXT    NOT NULL,   -- commissioners id, as at detention
    gp_out_of_county         BOOLEAN NOT NULL DEFAULT 0,
    cto_start_date           DATE,
    cto_end_date             DATE,
    last_review_date         DATE,
    next_review_date         DATE,
    end_date                 DATE,
    end_reason               TEXT,
    la_agreed_by             TEXT,
    nhs_agreed_by            TEXT,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL
);
-- At most one open episode per person.
CREATE UNIQUE INDEX episodes_one_open ON episodes (person_id) WHERE end_date IS NULL;
CREATE INDEX episodes_person ON episodes (person_id, date_detained);

-- A deleted record leaves this behind (its audit entries stay too): who deleted what, when.
CREATE TABLE record_tombstones (
    record_id        INTEGER PRIMARY KEY,
    deleted_at       TEXT    NOT NULL,
    deleted_by       TEXT    NOT NULL,
    deleted_by_user  INTEGER,
    reason           TEXT
);
