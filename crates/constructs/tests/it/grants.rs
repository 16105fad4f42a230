//! Read grants derived from what is read: a workload reading a secret encrypted by a customer
//! key may decrypt with exactly that key, only through the storing service; a workload that
//! reads nothing gets nothing.

use crate::support;

use constructs::compute::{Workload, WorkloadProps};
use constructs::data::{
    AppSecrets, AppSecretsProps, EncryptedParameters, GeneratedSecret, ParameterPath, ReadAccess,
};
use constructs::encryption::EncryptionKey;
use constructs::iam::Statement;
use serde_json::Value as Json;
use support::{resources_of, stack_with_vpc, synth_stack};

/// Every IAM policy statement attached to the role `role_logical_id`.
fn statements_of(t: &Json, role_logical_id: &str) -> Vec<Json> {
    resources_of(t, "AWS::IAM::Policy")
        .into_iter()
        .filter(|(_, p)| {
            p["Properties"]["Roles"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x["Ref"] == role_logical_id))
        })
        .flat_map(|(_, p)| {
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn actions(s: &Json) -> Vec<String> {
    match &s["Action"] {
        Json::String(a) => vec![a.clone()],
        Json::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A statement's resources, whether rendered as one value or a list.
fn resources(s: &Json) -> Vec<Json> {
    match &s["Resource"] {
        Json::Array(a) => a.clone(),
        Json::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

fn role_id(t: &Json, workload: &str) -> String {
    resources_of(t, "AWS::IAM::Role")
        .into_iter()
        .find(|(_, r)| {
            r["Metadata"]["construct:path"] == format!("GrantsStack/{workload}/InstanceRole")
        })
        .map(|(id, _)| id.to_owned())
        .expect("instance role")
}

#[test]
fn a_reader_of_an_encrypted_secret_gets_decrypt_on_its_key_and_a_bystander_gets_nothing() {
    let (mut s, vpc) = stack_with_vpc("GrantsStack");
    let key =
        EncryptionKey::new(&mut s.root(), "Key", "Encrypts the app secrets", &[]).expect("key");
    let secrets = AppSecrets::new(
        &mut s.root(),
        "Secrets",
        &AppSecretsProps {
            path: ParameterPath::new("shop", "dev"),
            secrets: vec![GeneratedSecret::new("SIGNING_KEY", "Signs sessions")],
        },
        &key,
    )
    .expect("secrets");
    let reader = Workload::new(
        &mut s.root(),
        "Reader",
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("reader");
    Workload::new(
        &mut s.root(),
        "Bystander",
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("bystander");
    reader
        .grant_read(&mut s.root(), "ReaderSecrets", &secrets)
        .expect("grant");
    let t = synth_stack("grants-secret", s);

    let reader_statements = statements_of(&t, &role_id(&t, "Reader"));
    let read = reader_statements
        .iter()
        .find(|s| actions(s).contains(&"secretsmanager:GetSecretValue".to_owned()))
        .expect("secret read");
    let read = resources(read);
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(
        read[0]["Ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("SecretsSIGNINGKEY")),
        "{read:?}"
    );
    let decrypt = reader_statements
        .iter()
        .find(|s| actions(s) == ["kms:Decrypt"])
        .expect("kms:Decrypt granted with the read");
    let keys = resources(decrypt);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0]["Fn::GetAtt"][0]
            .as_str()
            .is_some_and(|k| k.starts_with("Key")),
        "{keys:?}"
    );
    assert_eq!(
        decrypt["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"],
        "secretsmanager.${AWS::Region}.amazonaws.com"
    );

    assert!(
        statements_of(&t, &role_id(&t, "Bystander")).is_empty(),
        "a workload that reads nothing is granted nothing"
    );
}

#[test]
fn parameters_decrypt_through_ssm_only_when_a_key_encrypts_them() {
    let path = ParameterPath::new("shop", "dev");
    let plain = path.read_statements();
    assert_eq!(plain.len(), 1);
    assert!(
        plain
            .iter()
            .all(|s| !s.actions.iter().any(|a| a.starts_with("kms:")))
    );

    let encrypted = EncryptedParameters {
        path,
        key_arn: "arn:aws:kms:us-east-1:123456789012:key/abcd".into(),
    };
    let statements: Vec<Statement> = encrypted.read_statements();
    let decrypt = statements
        .iter()
        .find(|s| s.actions == ["kms:Decrypt"])
        .expect("decrypt");
    assert_eq!(
        decrypt.resources,
        ["arn:aws:kms:us-east-1:123456789012:key/abcd".into()]
    );
    let (op, key, values) = &decrypt.conditions[0];
    assert_eq!(
        (op.as_str(), key.as_str()),
        ("StringEquals", "kms:ViaService")
    );
    assert_eq!(values.len(), 1);
    assert!(format!("{values:?}").contains("ssm."), "{values:?}");
}

#[test]
fn granting_nothing_is_an_error_naming_the_field() {
    let (mut s, vpc) = stack_with_vpc("GrantsNothing");
    let w = Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload");
    let none: &[constructs::data::SecretRef] = &[];
    let e = w
        .grant_read(&mut s.root(), "Nothing", none)
        .expect_err("nothing to read");
    assert!(e.to_string().contains("what"), "{e}");
}
