//! Type errors the generated L1s and the constructs' typed inputs (tiers, subnet kinds) turn into compile errors (expected output in
//! `compile_fail/*.stderr`; refresh with `TRYBUILD=overwrite cargo test -p constructs --test it compile_fail`).

#[test]
fn ill_typed_resources_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
