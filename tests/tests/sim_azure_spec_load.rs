use plugboard_sim::spec::{SpecValidator, api_specs_dir};
#[test]
fn both_azure_descriptions_load() {
    for f in ["arm.json", "graph.json"] {
        match SpecValidator::load(api_specs_dir().join(f)) {
            Ok(v) => println!("{f}: {:?}", v.operations()),
            Err(e) => panic!("{f}: {e}"),
        }
    }
}
