-- An http monitor's default expected status (any 2xx) was stored as ["2xx"]; it is now left out,
-- so that the config reads back as the original's clients expect (absent, or an array of
-- integers). What the check accepts does not change: absent means any 2xx.
UPDATE monitors SET config = json_remove(config, '$.expected_status')
WHERE json_extract(config, '$.type') = 'http' AND json_extract(config, '$.expected_status') = '["2xx"]';
