//! The generated L1 resource types: rendering, schema metadata and typed attributes.

use constructs::resources::{Tag, ec2, iam, rds, schema_for};
use constructs::{Environment, Expr, Handle, Prop, Resource, Rule, Stack, ToProp, Value};
use serde_json::json;

fn stack() -> Stack {
    Stack::new("Test", Environment::default()).expect("valid stack name")
}

fn keys(prop: &Prop) -> Vec<&str> {
    match prop {
        Prop::Map(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
        other => panic!("expected a map, got {other:?}"),
    }
}

fn is_ref_to<R>(prop: Option<&Prop>, handle: &Handle<R>) -> bool {
    use constructs::AsNode;
    matches!(prop, Some(Prop::Expr(e)) if **e == Expr::Ref(handle.node_ref().clone()))
}

#[test]
fn a_vpc_renders_only_the_properties_that_are_set() {
    let vpc = ec2::Vpc {
        cidr_block: Some("10.0.0.0/16".into()),
        enable_dns_hostnames: Some(true.into()),
        tags: Some(vec![Tag::new("Name", "main")].into()),
        ..ec2::Vpc::new()
    };
    assert_eq!(
        vpc.properties(),
        Prop::from(json!({
            "CidrBlock": "10.0.0.0/16",
            "EnableDnsHostnames": true,
            "Tags": [{"Key": "Name", "Value": "main"}]
        }))
    );
    assert_eq!(ec2::Vpc::default().properties(), Prop::Map(vec![]));
    // Recursive property structs box the field that closes the cycle; boxes render as their
    // contents.
    let tag = Tag::new("Name", "main");
    assert_eq!(Box::new(tag.clone()).to_prop(), tag.to_prop());
    assert_eq!(<ec2::Vpc as Resource>::TYPE_NAME, "AWS::EC2::VPC");
}

#[test]
fn a_subnet_requires_its_vpc_and_references_it() {
    let mut stack = stack();
    let mut root = stack.root();
    let vpc = root.resource("Vpc", ec2::Vpc::new()).expect("unique id");
    let subnet = ec2::Subnet {
        cidr_block: Some("10.0.1.0/24".into()),
        map_public_ip_on_launch: Some(false.into()),
        ..ec2::Subnet::new(vpc.reference())
    };
    let props = subnet.properties();
    assert_eq!(keys(&props), ["CidrBlock", "MapPublicIpOnLaunch", "VpcId"]);
    assert!(is_ref_to(props.get("VpcId"), &vpc));

    let schema = ec2::Subnet::schema();
    for prop in ["VpcId", "CidrBlock", "AvailabilityZone"] {
        assert!(schema.is_create_only(prop), "{prop} forces replacement");
    }
    assert!(!schema.is_create_only("MapPublicIpOnLaunch"));
    assert_eq!(schema.conditional_create_only, ["Ipv6CidrBlock"]);
    assert!(schema.has_attribute("SubnetId"));
    assert!(
        schema
            .constraints
            .iter()
            .any(|c| c.path.is_empty() && matches!(c.rule, Rule::Required(["VpcId"])))
    );
}

#[test]
fn attribute_accessors_are_typed_get_atts() {
    let mut stack = stack();
    let mut root = stack.root();
    let vpc = root.resource("Vpc", ec2::Vpc::new()).expect("unique id");
    let cidr: Value<String> = vpc.attr_cidr_block();
    assert_eq!(
        cidr,
        Value::from_expr(Expr::GetAtt(
            constructs::AsNode::node_ref(&vpc).clone(),
            "CidrBlock".into()
        ))
    );
    // List-valued attributes are lists, usable where a list is expected.
    let blocks = vpc.attr_ipv6_cidr_blocks();
    assert_eq!(blocks.literal_len(), None);

    let db = root
        .resource(
            "Db",
            rds::DbCluster {
                engine: Some("aurora-postgresql".into()),
                ..rds::DbCluster::new()
            },
        )
        .expect("unique id");
    // Nested read-only properties are dotted attributes.
    match db.attr_endpoint_address().to_prop() {
        Prop::Expr(e) => assert!(matches!(*e, Expr::GetAtt(_, ref a) if a == "Endpoint.Address")),
        other => panic!("expected GetAtt, got {other:?}"),
    }
    assert!(rds::DbCluster::schema().has_attribute("Endpoint.Port"));
    // Read-only properties are attributes, not fields: the struct has no `endpoint`.
    assert!(!keys(&rds::DbCluster::new().properties()).contains(&"Endpoint"));
}

#[test]
fn a_security_group_renders_its_ingress_list() {
    let group = ec2::SecurityGroup {
        security_group_ingress: Some(
            vec![ec2::security_group::Ingress {
                cidr_ip: Some("0.0.0.0/0".into()),
                from_port: Some(443.into()),
                to_port: Some(443.into()),
                ..ec2::security_group::Ingress::new("tcp")
            }]
            .into(),
        ),
        ..ec2::SecurityGroup::new("web tier")
    };
    assert_eq!(
        group.properties(),
        Prop::from(json!({
            "GroupDescription": "web tier",
            "SecurityGroupIngress": [
                {"CidrIp": "0.0.0.0/0", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
            ]
        }))
    );
    let schema = ec2::SecurityGroup::schema();
    assert!(schema.has_attribute("GroupId"));
    assert!(schema.has_attribute("VpcId"), "added by the GetAtt fix-up");
    assert!(schema.constraints.iter().any(|c| {
        c.path == "SecurityGroupIngress/*" && matches!(c.rule, Rule::Required(["IpProtocol"]))
    }));
    assert!(
        schema
            .constraints
            .iter()
            .any(|c| c.path == "GroupDescription" && matches!(c.rule, Rule::MaxLength(255)))
    );
}

#[test]
fn a_launch_template_renders_nested_property_structs() {
    use ec2::launch_template::{BlockDeviceMapping, Ebs, LaunchTemplateData, MetadataOptions};

    let data = LaunchTemplateData {
        image_id: Some("ami-12345678".into()),
        instance_type: Some("t3.micro".into()),
        metadata_options: Some(
            MetadataOptions {
                http_tokens: Some("required".into()),
                ..MetadataOptions::new()
            }
            .into(),
        ),
        block_device_mappings: Some(
            vec![BlockDeviceMapping {
                device_name: Some("/dev/xvda".into()),
                ebs: Some(
                    Ebs {
                        encrypted: Some(true.into()),
                        volume_size: Some(20.into()),
                        ..Ebs::new()
                    }
                    .into(),
                ),
                ..BlockDeviceMapping::new()
            }]
            .into(),
        ),
        ..LaunchTemplateData::new()
    };
    let template = ec2::LaunchTemplate::new(data);
    assert_eq!(
        template.properties(),
        Prop::from(json!({
            "LaunchTemplateData": {
                "BlockDeviceMappings": [
                    {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": true, "VolumeSize": 20}}
                ],
                "ImageId": "ami-12345678",
                "InstanceType": "t3.micro",
                "MetadataOptions": {"HttpTokens": "required"}
            }
        }))
    );
    let schema = ec2::LaunchTemplate::schema();
    assert!(schema.is_create_only("LaunchTemplateName"));
    assert!(schema.has_attribute("LatestVersionNumber"));
    assert!(
        schema
            .constraints
            .iter()
            .any(|c| c.path.is_empty() && matches!(c.rule, Rule::Required(["LaunchTemplateData"])))
    );
}

#[test]
fn an_iam_role_takes_its_policy_as_json() {
    let role = iam::Role {
        managed_policy_arns: Some(
            vec!["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"].into(),
        ),
        ..iam::Role::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]
        }))
    };
    let props = role.properties();
    assert_eq!(
        keys(&props),
        ["AssumeRolePolicyDocument", "ManagedPolicyArns"]
    );
    assert_eq!(
        props
            .get("AssumeRolePolicyDocument")
            .and_then(|d| d.get("Version")),
        Some(&Prop::String("2012-10-17".into()))
    );
    let schema = iam::Role::schema();
    assert!(schema.is_create_only("RoleName"));
    assert!(schema.has_attribute("Arn"));
    assert!(schema.has_attribute("RoleId"));
    assert!(!schema.has_attribute("RoleName"));
}

#[test]
fn schemas_are_found_by_type_name() {
    let vpc = schema_for("AWS::EC2::VPC").expect("VPC is generated");
    assert_eq!(vpc.type_name, "AWS::EC2::VPC");
    assert!(std::ptr::eq(vpc, ec2::Vpc::schema()));
    assert!(vpc.has_attribute("CidrBlock"));
    assert!(vpc.has_attribute("VpcId"));
    assert!(schema_for("AWS::Lambda::Function").is_none());

    let names = constructs::resources::TYPE_NAMES;
    assert_eq!(names.len(), 61);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    for name in names {
        let schema = schema_for(name).unwrap_or_else(|| panic!("{name} has a schema"));
        assert_eq!(schema.type_name, *name);
        for path in schema.create_only {
            assert!(
                !path.starts_with('/'),
                "{name}: {path} keeps no /properties/ prefix"
            );
        }
    }
}
