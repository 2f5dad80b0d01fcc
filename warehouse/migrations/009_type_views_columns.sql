-- The one-type views were created (migration 005) with SELECT *, which DuckDB expands when a view
-- is created: after 006 renamed top_entities.sources to sites (distinct hosts), the catalog still
-- listed `sources` for them (queries already returned `sites`). Recreated, they list what they return.

CREATE OR REPLACE VIEW top_people AS
SELECT * FROM top_entities WHERE entity_type = 'PERSON';

CREATE OR REPLACE VIEW top_organisations AS
SELECT * FROM top_entities WHERE entity_type = 'ORG';

CREATE OR REPLACE VIEW top_places AS
SELECT * FROM top_entities WHERE entity_type = 'PLACE';

CREATE OR REPLACE VIEW top_groups AS
SELECT * FROM top_entities WHERE entity_type = 'NORP';
