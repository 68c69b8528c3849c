-- Release 1.0.0 of the later-release fixture: the base schema.
CREATE TABLE lr_items (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL
);
