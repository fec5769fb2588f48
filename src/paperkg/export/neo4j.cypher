// Load a paperkg build into Neo4j: copy kg_nodes.csv, kg_edges.csv and papers_edges.csv
// into the database's import/ directory, then run this file (cypher-shell -f neo4j.cypher).
// Empty CSV cells arrive as null; lists are joined with '|'.

CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (p:Paper) REQUIRE p.id IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;

LOAD CSV WITH HEADERS FROM 'file:///kg_nodes.csv' AS row
WITH row WHERE row.kind = 'paper'
MERGE (p:Paper {id: row.id})
SET p.title = row.title, p.label = row.label, p.abstract = row.abstract,
    p.year = toInteger(row.year), p.arxiv_id = row.arxiv_id, p.doi = row.doi,
    p.url = row.url, p.community = toInteger(row.community),
    p.community_label = row.community_label, p.n_entities = toInteger(row.n_entities),
    p.authors = CASE WHEN row.authors IS NULL THEN [] ELSE split(row.authors, '|') END;

LOAD CSV WITH HEADERS FROM 'file:///kg_nodes.csv' AS row
WITH row WHERE row.kind = 'entity'
MERGE (e:Entity {id: row.id})
SET e.name = row.name, e.type = row.type, e.df = toInteger(row.df),
    e.aliases = CASE WHEN row.aliases IS NULL THEN [] ELSE split(row.aliases, '|') END;

LOAD CSV WITH HEADERS FROM 'file:///kg_edges.csv' AS row
MATCH (p:Paper {id: row.source})
MATCH (e:Entity {id: row.target})
MERGE (p)-[m:MENTIONS]->(e)
SET m.count = toInteger(row.mentions), m.field = row.field,
    m.start = toInteger(row.start), m.end = toInteger(row.end);

LOAD CSV WITH HEADERS FROM 'file:///papers_edges.csv' AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
MERGE (a)-[s:SHARES]->(b)
SET s.weight = toFloat(row.weight), s.shared_count = toInteger(row.shared_count),
    s.shared = split(row.shared, '|'), s.shared_ids = split(row.shared_ids, '|');
