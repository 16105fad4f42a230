use constructs::Value;
use constructs::resources::ec2;

fn main() {
    let netmask: Value<String> = "16".into();
    let _vpc = ec2::Vpc {
        ipv4_netmask_length: Some(netmask),
        ..ec2::Vpc::new()
    };
}
