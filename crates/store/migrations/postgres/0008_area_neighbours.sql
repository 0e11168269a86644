-- Each area's statistical neighbours (the areas most like it, as the DfE's children's
-- services statistical neighbour tool lists them), in order: the dashboard shows an
-- area's figures beside theirs.
CREATE TABLE area_neighbours (
    area_code TEXT NOT NULL,
    neighbour TEXT NOT NULL,
    rank BIGINT NOT NULL,
    PRIMARY KEY (area_code, neighbour)
);
