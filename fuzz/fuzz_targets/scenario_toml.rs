//! A projection scenario file (TOML), projected on a small history when it reads.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_projection::{Counts, History, Inputs, Scenario, project};

fuzz_target!(|text: &str| {
    let Ok(s) = Scenario::from_toml(text) else {
        return;
    };
    let _ = s.to_toml();
    let counts = Counts {
        date: s.scope.base,
        stock: [10.0; 11],
        posts: [12.0; 11],
        leavers: [2.0; 11],
        starters: [3.0; 11],
    };
    let inputs = Inputs {
        history: History {
            area: vec![counts.clone()],
            parent: vec![counts],
        },
        ..Inputs::default()
    };
    let _ = project(&s, &inputs);
});
