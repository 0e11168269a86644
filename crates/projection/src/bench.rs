//! The national projection benchmark: every role group x 150 areas x 15 years x 1,000
//! simulations, from histories generated with known rates. It times the model, fit and
//! simulation (the census figures it starts from are read once, by the cube, in
//! milliseconds), and is run by `observatory bench projections`.
