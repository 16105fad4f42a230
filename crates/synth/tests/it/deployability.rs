//! The deployability check on planted assemblies: what a stack reads at deploy time must be
//! created by an earlier stack (or be public, or be declared external), and synth orders stacks
//! by what they read.

use constructs::resources::{imagebuilder as ib, sns, ssm};
use constructs::{
    App, AsNode, Environment, ExternalInput, Handle, OutputDef, Parameter, ResourceOptions, Scope,
    Stack, Value, fns,
};
use synth::deployability::Unmet;
use synth::{Diagnostic, DiagnosticKind, Severity, synth};

fn stack(name: &str) -> Stack {
    Stack::new(name, Environment::region("us-east-1", &[])).expect("valid stack name")
}

fn app(stacks: Vec<Stack>) -> App {
    let mut app = App::new();
    for s in stacks {
        app.add_stack(s).expect("unique stack names");
    }
    app
}

/// The errors of a synth that must fail.
fn errors(app: &App) -> Vec<Diagnostic> {
    match synth(app) {
        Ok(_) => panic!("synth accepted an assembly that cannot be deployed"),
        Err(e) => e
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect(),
    }
}

/// A stack whose template parameter reads SSM parameter `name` at `Web/AmiId`.
fn reader(stack_name: &str, name: &str) -> Stack {
    let mut s = stack(stack_name);
    let mut root = s.root();
    let mut web = root.child("Web").expect("web");
    let ami = web
        .parameter(
            "AmiId",
            Parameter::ssm_value("AWS::EC2::Image::Id").default_value(name),
        )
        .expect("parameter");
    web.resource(
        "Topic",
        sns::Topic {
            display_name: Some(ami.value()),
            ..sns::Topic::new()
        },
    )
    .expect("topic");
    s
}

/// A stack creating SSM parameter `name` at `Images/AmiParameter`.
fn producer(stack_name: &str, name: &str) -> Stack {
    let mut s = stack(stack_name);
    s.root()
        .child("Images")
        .expect("images")
        .resource(
            "AmiParameter",
            ssm::Parameter {
                name: Some(name.into()),
                data_type: Some("aws:ec2:image".into()),
                ..ssm::Parameter::new("String", "ami-0123456789abcdef0")
            },
        )
        .expect("parameter");
    s
}

#[test]
fn an_ssm_parameter_nobody_creates_is_refused_with_stack_and_path() {
    let errs = errors(&app(vec![reader("App", "/team/ami/application")]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    let d = &errs[0];
    assert_eq!(d.code, "deploy/ssm-parameter");
    assert_eq!(
        d.kind,
        DiagnosticKind::Deployability(Unmet::SsmParameter("/team/ami/application".into()))
    );
    assert_eq!(d.stack, "App");
    assert_eq!(d.path.as_deref(), Some("App/Web/AmiId"));
    let text = d.to_string();
    assert!(text.contains("App/Web/AmiId"), "{text}");
    assert!(text.contains("stack `App`"), "{text}");
    assert!(text.contains("/team/ami/application"), "{text}");
    assert!(d.pointer.ends_with("/Default"), "{}", d.pointer);
}

#[test]
fn a_producing_stack_is_ordered_first_and_becomes_a_dependency() {
    // The reader is added first; synth moves it after the stack creating the parameter.
    let assembly = synth(&app(vec![
        reader("App", "/team/ami/application"),
        producer("Images", "/team/ami/application"),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Images", "App"]);
    assert_eq!(assembly.stacks[1].dependencies, ["Images"]);
    assert_eq!(
        assembly.manifest()["stacks"][1]["dependencies"],
        serde_json::json!(["Images"])
    );
}

#[test]
fn public_and_declared_parameters_need_no_producer() {
    let public = reader(
        "Public",
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    );
    let mut declared = reader("Declared", "/team/golden-ami");
    declared.external_inputs.push(ExternalInput::ssm_parameter(
        "/team/golden-ami",
        "written by the platform team's image factory",
    ));
    let assembly = synth(&app(vec![public, declared])).unwrap_or_else(|e| panic!("{e}"));
    assert!(assembly.warnings.is_empty(), "{:?}", assembly.warnings);
}

#[test]
fn a_declaration_needs_a_reason_and_an_unneeded_one_is_a_warning() {
    let mut s = reader("App", "/team/golden-ami");
    s.external_inputs
        .push(ExternalInput::ssm_parameter("/team/golden-ami", " "));
    let errs = errors(&app(vec![s]));
    assert!(
        errs.iter().any(|d| d.code == "deploy/external-reason"
            && d.kind
                == DiagnosticKind::Deployability(Unmet::ExternalWithoutReason(
                    "/team/golden-ami".into()
                ))),
        "{errs:?}"
    );

    let mut s = producer("Images", "/team/ami");
    s.external_inputs
        .push(ExternalInput::export("never-imported", "a leftover"));
    let assembly = synth(&app(vec![s])).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        assembly
            .warnings
            .iter()
            .any(|w| w.code == "deploy/external-unneeded"),
        "{:?}",
        assembly.warnings
    );
}

#[test]
fn a_template_parameter_cannot_read_what_its_own_stack_creates() {
    let mut s = reader("All", "/team/ami");
    s.root()
        .resource(
            "AmiParameter",
            ssm::Parameter {
                name: Some("/team/ami".into()),
                ..ssm::Parameter::new("String", "ami-0123456789abcdef0")
            },
        )
        .expect("parameter");
    let errs = errors(&app(vec![s]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, "deploy/read-before-create");
    assert_eq!(errs[0].path.as_deref(), Some("All/Web/AmiId"));
    assert!(
        matches!(&errs[0].kind, DiagnosticKind::Deployability(Unmet::NotCreatedBefore { name, producer })
            if name == "/team/ami" && producer.starts_with("All/AmiParameter")),
        "{:?}",
        errs[0].kind
    );
}

#[test]
fn a_dynamic_reference_needs_the_producer_first_within_a_stack() {
    let build = |depend: bool| {
        let mut s = stack("Dyn");
        let mut root = s.root();
        let param = root
            .resource(
                "Setting",
                ssm::Parameter {
                    name: Some("/team/setting".into()),
                    ..ssm::Parameter::new("String", "on")
                },
            )
            .expect("parameter");
        root.resource_with(
            "Topic",
            sns::Topic {
                display_name: Some("{{resolve:ssm:/team/setting}}".into()),
                ..sns::Topic::new()
            },
            ResourceOptions {
                depends_on: if depend {
                    vec![param.node_ref().clone()]
                } else {
                    Vec::new()
                },
                ..ResourceOptions::default()
            },
        )
        .expect("topic");
        app(vec![s])
    };
    let errs = errors(&build(false));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, "deploy/read-before-create");
    assert_eq!(errs[0].path.as_deref(), Some("Dyn/Topic"));
    assert!(
        errs[0].pointer.ends_with("/Properties/DisplayName"),
        "{}",
        errs[0].pointer
    );
    synth(&build(true)).unwrap_or_else(|e| panic!("{e}"));
}

/// A stack importing export `name` at `Consumer/Topic`.
fn importer(stack_name: &str, name: &str) -> Stack {
    let mut s = stack(stack_name);
    s.root()
        .child("Consumer")
        .expect("consumer")
        .resource(
            "Topic",
            sns::Topic {
                display_name: Some(fns::import_value(name)),
                ..sns::Topic::new()
            },
        )
        .expect("topic");
    s
}

#[test]
fn an_import_of_an_unknown_export_is_refused_and_a_known_one_orders_the_stacks() {
    let errs = errors(&app(vec![importer("Consumer", "shared-vpc-id")]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    let d = &errs[0];
    assert_eq!(d.code, "deploy/import");
    assert_eq!(
        d.kind,
        DiagnosticKind::Deployability(Unmet::Export("shared-vpc-id".into()))
    );
    assert_eq!(d.path.as_deref(), Some("Consumer/Consumer/Topic"));
    assert!(d.to_string().contains("Consumer/Consumer/Topic"), "{d}");
    assert!(d.pointer.ends_with("/Fn::ImportValue"), "{}", d.pointer);

    let mut exporter = stack("Shared");
    let mut root = exporter.root();
    let topic = root
        .resource("Vpc", sns::Topic::new())
        .expect("exported resource");
    root.output(
        "VpcId",
        OutputDef::new(topic.reference(), "shared").export("shared-vpc-id"),
    )
    .expect("output");
    let assembly = synth(&app(vec![importer("Consumer", "shared-vpc-id"), exporter]))
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Shared", "Consumer"]);
    assert_eq!(assembly.stacks[1].dependencies, ["Shared"]);

    let mut declared = importer("Consumer", "legacy-network-vpc");
    declared.external_inputs.push(ExternalInput::export(
        "legacy-network-vpc",
        "exported by the legacy network stack, deployed by hand",
    ));
    synth(&app(vec![declared])).unwrap_or_else(|e| panic!("{e}"));
}

/// A recipe named `name` at `Layer/Recipe` with `parent`.
fn recipe(scope: &mut Scope<'_>, name: &str, parent: Value<String>) -> Handle<ib::ImageRecipe> {
    let mut layer = scope.child("Layer").expect("layer");
    layer
        .resource(
            "Recipe",
            ib::ImageRecipe {
                components: Some(
                    vec![ib::image_recipe::ComponentConfiguration {
                        component_arn: Some(
                            "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
                                .into(),
                        ),
                        ..ib::image_recipe::ComponentConfiguration::new()
                    }]
                    .into(),
                ),
                ..ib::ImageRecipe::new(name, parent, "1.0.0")
            },
        )
        .expect("recipe")
}

fn own_image_arn(name: &str) -> Value<String> {
    fns::concat([
        "arn:".into(),
        fns::partition(),
        ":imagebuilder:".into(),
        fns::region(),
        ":".into(),
        fns::account_id(),
        format!(":image/{name}/x.x.x").into(),
    ])
}

/// A stack building recipe `name` with a deploy-time image (and a distribution writing
/// `distributes`, if given).
fn builder(stack_name: &str, name: &str, distributes: Option<&str>) -> Stack {
    let mut s = stack(stack_name);
    let mut root = s.root();
    let recipe_ref = recipe(
        &mut root,
        name,
        "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64".into(),
    );
    let distribution = distributes.map(|parameter| {
        root.resource(
            "Distribution",
            ib::DistributionConfiguration::new(
                vec![ib::distribution_configuration::Distribution {
                    ssm_parameter_configurations: Some(
                        vec![
                            ib::distribution_configuration::SsmParameterConfiguration::new(
                                parameter,
                            ),
                        ]
                        .into(),
                    ),
                    ..ib::distribution_configuration::Distribution::new(fns::region())
                }],
                "dist",
            ),
        )
        .expect("distribution")
    });
    root.resource(
        "Image",
        ib::Image {
            image_recipe_arn: Some(recipe_ref.attr_arn()),
            infrastructure_configuration_arn: Some(
                "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/infra"
                    .into(),
            ),
            distribution_configuration_arn: distribution.map(|d| d.attr_arn()),
            ..ib::Image::new()
        },
    )
    .expect("image");
    s
}

#[test]
fn a_recipe_parent_nobody_builds_is_refused_and_an_image_of_an_earlier_stack_satisfies_it() {
    let consumer = || {
        let mut s = stack("Middleware");
        recipe(&mut s.root(), "app-middleware", own_image_arn("app-system"));
        s
    };
    let errs = errors(&app(vec![consumer()]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    let d = &errs[0];
    assert_eq!(d.code, "deploy/parent-image");
    assert_eq!(
        d.kind,
        DiagnosticKind::Deployability(Unmet::ParentImage("app-system".into()))
    );
    assert_eq!(d.path.as_deref(), Some("Middleware/Layer/Recipe"));
    assert!(d.to_string().contains("Middleware/Layer/Recipe"), "{d}");
    assert!(
        d.pointer.ends_with("/Properties/ParentImage"),
        "{}",
        d.pointer
    );

    // A pipeline builds nothing at deploy time: a stack with the system recipe and only a
    // pipeline does not satisfy the parent.
    let mut pipeline_only = stack("System");
    let mut root = pipeline_only.root();
    recipe(
        &mut root,
        "app-system",
        "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64".into(),
    );
    let errs = errors(&app(vec![pipeline_only, consumer()]));
    assert!(
        errs.iter().any(|d| d.code == "deploy/parent-image"),
        "{errs:?}"
    );

    // An Image resource in an earlier stack builds it, and the consumer is ordered after it.
    let assembly = synth(&app(vec![
        consumer(),
        builder("System", "app-system", None),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["System", "Middleware"]);

    // A golden image built elsewhere is declared.
    let mut declared = consumer();
    declared.external_inputs.push(ExternalInput::image(
        "app-system",
        "built by the platform team's pipeline",
    ));
    synth(&app(vec![declared])).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_deploy_time_image_must_not_distribute_to_a_parameter_a_stack_creates() {
    let errs = errors(&app(vec![
        producer("Params", "/team/ami"),
        builder("Images", "app-system", Some("/team/ami")),
    ]));
    assert!(
        errs.iter().any(|d| d.code == "deploy/created-twice"
            && d.path.as_deref() == Some("Images/Image")
            && matches!(&d.kind, DiagnosticKind::Deployability(Unmet::CreatedTwice { name, .. }) if name == "/team/ami")),
        "{errs:?}"
    );
    // The same distribution writing a parameter no stack creates is fine.
    synth(&app(vec![builder(
        "Images",
        "app-system",
        Some("/team/other"),
    )]))
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn two_stacks_creating_one_parameter_is_refused() {
    let errs = errors(&app(vec![
        producer("A", "/team/x"),
        producer("B", "/team/x"),
    ]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, "deploy/created-twice");
    assert_eq!(errs[0].stack, "B");
}

#[test]
fn reads_of_names_known_only_at_deploy_time_are_not_judged() {
    // `{{resolve:ssm:/app/${AWS::Region}/x}}` names a parameter synth cannot know.
    let mut s = stack("Dyn");
    s.root()
        .resource(
            "Topic",
            sns::Topic {
                display_name: Some(fns::concat([
                    "{{resolve:ssm:/app/".into(),
                    fns::region(),
                    "/x}}".into(),
                ])),
                ..sns::Topic::new()
            },
        )
        .expect("topic");
    synth(&app(vec![s])).unwrap_or_else(|e| panic!("{e}"));
}
