-- Reporting: narrow indexes so that each dashboard count reads a small index instead of the
-- wide people and episodes rows (on 100,000 records, milliseconds instead of table scans).
-- Active people and open episodes are the same entitlements: person-level counts read
-- people, episode-level counts read the open episodes (partial indexes).

-- Active people by gender, by date of birth (age bands), and both within one LA or
-- commissioner (the dashboard's filter).
CREATE INDEX people_gender ON people (status, gender);
CREATE INDEX people_dob ON people (status, date_of_birth);
CREATE INDEX people_report ON people (status, current_la, current_commissioner, gender, date_of_birth);

-- Open episodes by section, place detained, next review, and (GP ticked, commissioner); and
-- all of those within one LA or commissioner.
CREATE INDEX episodes_open_section ON episodes (qualifying_section) WHERE end_date IS NULL;
CREATE INDEX episodes_open_place ON episodes (place_detained) WHERE end_date IS NULL;
CREATE INDEX episodes_open_review ON episodes (next_review_date) WHERE end_date IS NULL;
CREATE INDEX episodes_open_gp ON episodes (gp_out_of_county, responsible_commissioner) WHERE end_date IS NULL;
CREATE INDEX episodes_open_report ON episodes
    (responsible_la, responsible_commissioner, qualifying_section, place_detained, gp_out_of_county, next_review_date)
    WHERE end_date IS NULL;

-- Entitlements started and ended per month (any status).
CREATE INDEX episodes_started ON episodes (s117_start_date, responsible_la, responsible_commissioner);
CREATE INDEX episodes_ended ON episodes (end_date, responsible_la, responsible_commissioner) WHERE end_date IS NOT NULL;
