use constructs::resources::ec2;

fn main() {
    // `VpcId` is required: a subnet has no `Default` and `new` takes it.
    let _defaulted = ec2::Subnet {
        cidr_block: Some("10.0.1.0/24".into()),
        ..Default::default()
    };
    let _unplaced = ec2::Subnet::new();
}
