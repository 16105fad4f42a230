//! Versions follow content: a component edit, seen the way `deploy` predicts the change set.
//! The edited component and every recipe and image from its layer up are replaced (new
//! versions, create-only), the layers below stay, and the AMI parameter is updated in place to
//! the new application image's id.

use constructs::compute::{AmiPipeline, AmiPipelineProps, ComponentBody};
use constructs::network::{HaVpc, HaVpcProps};
use constructs::{App, Environment, Stack};
use deploy::changes::Replacement;
use deploy::diff::{DiffKind, ResourceDiff, diff_templates};
use deploy::template::Template;

fn create_only(type_name: &str) -> Option<&'static [&'static str]> {
    constructs::resources::schema_for(type_name).map(|s| s.create_only)
}

/// The default layers (named `app`) with a VPC in one stack; returns the template text.
fn images(props: &AmiPipelineProps) -> String {
    let mut s = Stack::new("Images", Environment::region("us-east-1", &[])).expect("stack");
    let vpc = HaVpc::new(&mut s.root(), "Vpc", &HaVpcProps::default()).expect("vpc");
    AmiPipeline::new(
        &mut s.root(),
        "Ami",
        props,
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("pipeline");
    let mut app = App::new();
    app.add_stack(s).expect("stack");
    let mut assembly = synth::synth(&app).unwrap_or_else(|e| panic!("{e}"));
    assembly.stacks.remove(0).body
}

/// The default system and middleware layers with the reference application's layer (from Git,
/// so no asset is involved).
fn props() -> AmiPipelineProps {
    AmiPipelineProps {
        application: refarch_app::image::application_layer(
            &refarch_app::contract::contract(),
            &refarch_app::image::AppSource::Git {
                url: "https://example.com/app.git".into(),
                reference: "v1".into(),
                path: "app".into(),
            },
        ),
        ..AmiPipelineProps::default()
    }
}

fn change<'d>(diffs: &'d [ResourceDiff], path: &str) -> Option<&'d ResourceDiff> {
    diffs
        .iter()
        .find(|d| d.construct_path.as_deref() == Some(path))
}

#[test]
fn a_component_edit_replaces_its_layer_and_the_layers_above_and_moves_the_parameter() {
    let before = images(&props());
    assert_eq!(before, images(&props()), "a repeat synth is byte-identical");

    let mut edited = props();
    let ComponentBody::Commands(commands) = &mut edited.middleware.components[0].body else {
        panic!("the middleware's docker component runs commands");
    };
    commands.push("docker compose version".into());
    let after = images(&edited);

    let old = Template::parse(&before).expect("template");
    let new = Template::parse(&after).expect("template");
    let diff = diff_templates(Some(&old), &new, create_only);
    let replaced = |path: &str| {
        let d = change(&diff.resources, path).unwrap_or_else(|| panic!("{path} unchanged"));
        assert_eq!(d.kind, DiffKind::Modified, "{path}");
        assert_eq!(d.replacement, Some(Replacement::True), "{path}: {d:?}");
    };
    replaced("Images/Ami/Middleware/Docker");
    for layer in ["Middleware", "Application"] {
        replaced(&format!("Images/Ami/{layer}/Recipe"));
        replaced(&format!("Images/Ami/{layer}/Image"));
    }
    for below in [
        "Images/Ami/System/Recipe",
        "Images/Ami/System/Image",
        "Images/Ami/System/Ssmagent",
    ] {
        assert!(
            new.resources().any(|r| r.construct_path() == Some(below)),
            "{below} exists"
        );
        assert!(change(&diff.resources, below).is_none(), "{below} changed");
    }
    // The parameter stays (same name) and takes the new image's id; the pipelines follow their
    // new recipes in place.
    let parameter = change(&diff.resources, "Images/Ami/AmiParameter").expect("parameter");
    assert_eq!(
        parameter.replacement,
        Some(Replacement::False),
        "{parameter:?}"
    );
    assert!(
        parameter
            .properties
            .iter()
            .any(|p| p.name.starts_with("Value (via replaced")),
        "{parameter:?}"
    );
    let pipeline = change(&diff.resources, "Images/Ami/Application/Pipeline").expect("pipeline");
    assert_eq!(
        pipeline.replacement,
        Some(Replacement::False),
        "{pipeline:?}"
    );
    // Nothing is added or removed: same logical ids, new versions.
    assert!(
        diff.resources.iter().all(|d| d.kind == DiffKind::Modified),
        "{:?}",
        diff.resources
    );
}
