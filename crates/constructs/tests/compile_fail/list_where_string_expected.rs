use constructs::List;
use constructs::resources::ec2;

fn main() {
    let blocks: List<String> = vec!["10.0.0.0/16", "10.1.0.0/16"].into();
    let _vpc = ec2::Vpc {
        cidr_block: Some(blocks),
        ..ec2::Vpc::new()
    };
}
