#!/usr/bin/env node
// The reference architecture of crates/refarch-app (src/arch.rs, default configuration) written
// as an AWS CDK user would write it, so that `scripts/bench.sh` can compare synthesis of the
// same infrastructure. Plain JavaScript (no TypeScript compile step charged to CDK); L2
// constructs where aws-cdk-lib has them, L1 `Cfn*` where it does not (EC2 Image Builder).
//
//   node bench/cdk/app.js                        # one copy: refarch-dev-{network,data,images,app,delivery}
//   COPIES=50 node bench/cdk/app.js              # 50 copies, environments e000..e049 (as `--example scale`)
//   CDK_OUTDIR=dir node bench/cdk/app.js         # where the cloud assembly goes (default bench/cdk/cdk.out)
//
// Synthesis only: `app.synth()` writes the assembly; no `cdk` CLI, no AWS credentials, no
// network. The environment is explicit (account 123456789012, us-east-1) and the one context
// value a VPC would look up (the region's availability zones) is given below, as a committed
// cdk.context.json would give it, so nothing is looked up.
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');

const cdk = require('aws-cdk-lib');
const autoscaling = require('aws-cdk-lib/aws-autoscaling');
const acm = require('aws-cdk-lib/aws-certificatemanager');
const codebuild = require('aws-cdk-lib/aws-codebuild');
const codepipeline = require('aws-cdk-lib/aws-codepipeline');
const actions = require('aws-cdk-lib/aws-codepipeline-actions');
const ec2 = require('aws-cdk-lib/aws-ec2');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const iam = require('aws-cdk-lib/aws-iam');
const imagebuilder = require('aws-cdk-lib/aws-imagebuilder');
const kms = require('aws-cdk-lib/aws-kms');
const logs = require('aws-cdk-lib/aws-logs');
const rds = require('aws-cdk-lib/aws-rds');
const route53 = require('aws-cdk-lib/aws-route53');
const targets = require('aws-cdk-lib/aws-route53-targets');
const s3 = require('aws-cdk-lib/aws-s3');
const s3assets = require('aws-cdk-lib/aws-s3-assets');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const ssm = require('aws-cdk-lib/aws-ssm');

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
// The repository's sample application, packaged as a file asset (as the Rust synth does).
const APP_DIR = path.resolve(__dirname, '..', '..', 'app');
// Names never packaged (the Rust side's constructs::asset::DEFAULT_EXCLUDES).
const ASSET_EXCLUDES = [
  '.env', '.git', '.venv', 'venv', '__pycache__', 'node_modules', '.pytest_cache',
  '.mypy_cache', '.DS_Store', '*.pyc',
];
const PORT = 8000;
const HEALTH_PATH = '/healthz';
const ADMIN_USER = 'dbadmin';
const DATABASE_NAME = 'workload';
const SCHEDULE = 'cron(0 4 ? * sun *)';
const PARENT_DOMAIN = 'example.com';
const PARENT_ZONE_ID = 'Z0123456789ABCDEFGHIJ';

/** The configuration of one copy: the default one, or copy `i` of a COPIES=N app. */
function copyConfig(i) {
  const environment = i === undefined ? 'dev' : `e${String(i).padStart(3, '0')}`;
  const subzone = i === undefined ? 'asg' : environment;
  return {
    app: 'refarch',
    environment,
    zone: `${subzone}.${PARENT_DOMAIN}`,
    host: `dashboard.${subzone}.${PARENT_DOMAIN}`,
    prefix: `/refarch/${environment}`,
  };
}

function stackProps(c, description) {
  return {
    env: { account: ACCOUNT, region: REGION },
    description: `${description} (${c.app} ${c.environment})`,
    tags: { Application: c.app, Environment: c.environment },
  };
}

function appAsset(scope) {
  return new s3assets.Asset(scope, 'AppSource', { path: APP_DIR, exclude: ASSET_EXCLUDES });
}

/** A security group that starts closed: no egress until a rule says so. */
function closedGroup(scope, id, vpc, description) {
  return new ec2.SecurityGroup(scope, id, { vpc, description, allowAllOutbound: false });
}

// ---------------------------------------------------------------- network

class NetworkStack extends cdk.Stack {
  constructor(scope, id, c) {
    super(scope, id, stackProps(c, 'Network: VPC, subnets, NAT, endpoints, flow logs'));
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('172.18.0.0/16'),
      maxAzs: 2,
      natGateways: 2,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: {
          service: ec2.GatewayVpcEndpointAwsService.S3,
          subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
        },
      },
      // The default security group is left alone, as on the Rust side (restricting it takes
      // a custom resource: a Lambda function and its role).
      restrictDefaultSecurityGroup: false,
    });

    const key = new kms.Key(this, 'FlowLogsKey', {
      description: 'Encrypts the VPC flow logs',
      enableKeyRotation: true,
      pendingWindow: cdk.Duration.days(30),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${REGION}.amazonaws.com`));
    const logGroup = new logs.LogGroup(this, 'FlowLogsLogGroup', {
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.endpointsGroup = closedGroup(this, 'EndpointsSecurityGroup', this.vpc,
      'Interface endpoints: HTTPS from the tiers that use them');
    const endpoints = {
      Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
      SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
      Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    for (const [name, service] of Object.entries(endpoints)) {
      this.vpc.addInterfaceEndpoint(`Endpoints${name}`, {
        service,
        privateDnsEnabled: true,
        securityGroups: [this.endpointsGroup],
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        open: false,
      });
    }
  }

  /** HTTPS from `group` to the interface endpoints. */
  allowEndpoints(group) {
    group.connections.allowTo(this.endpointsGroup, ec2.Port.tcp(443), 'HTTPS to AWS interface endpoints');
  }
}

// ---------------------------------------------------------------- data

class DataStack extends cdk.Stack {
  constructor(scope, id, c, network) {
    super(scope, id, stackProps(c, 'Data: Aurora Serverless v2, secrets and app settings'));
    const vpc = network.vpc;
    const key = new kms.Key(this, 'DatabaseKey', {
      description: "Encrypts the Aurora cluster's storage, Performance Insights and master secret",
      enableKeyRotation: true,
      pendingWindow: cdk.Duration.days(30),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.databaseKey = key;
    const group = closedGroup(this, 'DatabaseSecurityGroup', vpc,
      'Aurora cluster: ingress only from admitted tiers on the DB port, no egress');
    const instance = {
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.VER_16_8,
      }),
      credentials: rds.Credentials.fromGeneratedSecret(ADMIN_USER, { encryptionKey: key }),
      defaultDatabaseName: DATABASE_NAME,
      writer: rds.ClusterInstance.serverlessV2('Writer', instance),
      readers: [rds.ClusterInstance.serverlessV2('Reader1', { ...instance, scaleWithWriter: true })],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 4,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [group],
      port: 5432,
      storageEncrypted: true,
      storageEncryptionKey: key,
      iamAuthentication: true,
      enableDataApi: true,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: cdk.Duration.seconds(60),
      backup: { retention: cdk.Duration.days(7), preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      copyTagsToSnapshot: true,
      deletionProtection: true,
      removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
    });
    this.databaseSecret = this.cluster.secret;

    // The application's settings under /<app>/<env>: SSM parameters, one generated secret.
    this.settingsKey = new kms.Key(this, 'SettingsKey', {
      description: `Encrypts the generated secrets of ${c.prefix}`,
      enableKeyRotation: true,
      pendingWindow: cdk.Duration.days(30),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.secretKey = new secretsmanager.Secret(this, 'SettingsSecretsSECRET_KEY', {
      secretName: `${c.prefix}/SECRET_KEY`,
      description: "The web framework's signing key",
      encryptionKey: this.settingsKey,
      generateSecretString: {
        excludePunctuation: true,
        passwordLength: 50,
        requireEachIncludedType: true,
      },
    });
    const secretArn = this.databaseSecret.secretArn;
    const settings = [
      ['secret/SECRET_KEY', "The web framework's signing key", this.secretKey.secretArn],
      ['DEBUG', 'Debug pages (never in the cloud)', 'false'],
      ['ALLOWED_HOSTS', 'Host names the app answers to', c.host],
      ['DATABASE_ENGINE', 'Database engine family', 'postgresql'],
      ['DATABASE_HOST', 'Database writer endpoint', this.cluster.clusterEndpoint.hostname],
      ['DATABASE_PORT', 'Database port', '5432'],
      ['DATABASE_NAME', 'Database name', DATABASE_NAME],
      ['DATABASE_SSL_MODE', 'TLS to the database (libpq sslmode)', 'require'],
      ['DATABASE_SECRET_ARN', 'ARN of the database credentials secret (also for the Data API)', secretArn],
      ['secret/DATABASE_USER', 'Database user', `${secretArn}:username`],
      ['secret/DATABASE_PASSWORD', 'Database password', `${secretArn}:password`],
    ];
    this.parameterNames = [];
    for (const [name, description, value] of settings) {
      const parameterName = `${c.prefix}/${name}`;
      new ssm.StringParameter(this, `SettingsParameters${name.replace(/\W/g, '')}`, {
        parameterName,
        description,
        stringValue: value,
        tier: ssm.ParameterTier.STANDARD,
      });
      this.parameterNames.push(parameterName);
    }

    new cdk.CfnOutput(this, 'DatabaseEndpoint', {
      value: this.cluster.clusterEndpoint.hostname,
      description: 'Writer endpoint',
    });
    new cdk.CfnOutput(this, 'DatabaseClusterArn', {
      value: this.cluster.clusterArn,
      description: 'Cluster ARN for the Data API',
    });
    new cdk.CfnOutput(this, 'DatabaseSecretArn', {
      value: secretArn,
      description: 'Master credentials (Data API, rotation)',
    });
  }

  /** Read access to the settings: the parameter path, both secrets and their keys. */
  grantSettingsRead(grantee, c) {
    grantee.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [
        cdk.Stack.of(grantee).formatArn({ service: 'ssm', resource: 'parameter', resourceName: c.prefix.slice(1) }),
        cdk.Stack.of(grantee).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${c.prefix.slice(1)}/*` }),
      ],
    }));
    // On the principal's side only: `secret.grantRead(role)` would also write the role into
    // the keys' policies here, and the data stack would then depend on the app stack (a cycle).
    grantee.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [this.secretKey.secretArn, this.databaseSecret.secretArn],
    }));
    grantee.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [this.settingsKey.keyArn, this.databaseKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
    }));
  }
}

// ---------------------------------------------------------------- images

/** An Image Builder component document, as the Rust side renders it. */
function componentData(name, description, commands, parameters) {
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  let doc = `name: ${q(name)}\ndescription: ${q(description)}\nschemaVersion: 1.0\n`;
  if (parameters) {
    doc += 'parameters:\n';
    for (const [p, d] of Object.entries(parameters)) {
      doc += `  - ${p}:\n      type: string\n      description: ${q(d)}\n`;
    }
  }
  doc += 'phases:\n  - name: build\n    steps:\n      - name: Run\n        action: ExecuteBash\n'
    + '        inputs:\n          commands:\n';
  for (const cmd of commands) doc += `            - ${q(cmd)}\n`;
  return doc;
}

/** `1.0.<hash>`: a new version whenever the content changes, the same one on every synth. */
function contentVersion(...parts) {
  const digest = crypto.createHash('sha256').update(JSON.stringify(parts)).digest();
  return `1.0.${digest.readUInt32BE(0) & 0x3fffffff}`;
}

class ImagesStack extends cdk.Stack {
  constructor(scope, id, c, network) {
    super(scope, id, stackProps(c, 'AMI layering: system, middleware, application (EC2 Image Builder)'));
    const project = `${c.app}-${c.environment}`;
    this.amiParameterName = `${c.prefix}/ami/application`;
    const vpc = network.vpc;
    const group = closedGroup(this, 'AmiSecurityGroup', vpc, 'Image Builder build instances: HTTPS out only');
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
      'HTTPS to AWS APIs, package mirrors and sources through NAT');
    network.allowEndpoints(group);

    const role = new iam.Role(this, 'AmiInstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Image Builder build and test instances',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    const profile = new iam.InstanceProfile(this, 'AmiInstanceProfile', { role });
    const asset = appAsset(this);
    asset.grantRead(role);

    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'AmiInfrastructure', {
      name: `${project}-infrastructure`,
      description: `${project}: builds in a private subnet`,
      instanceProfileName: profile.instanceProfileName,
      instanceTypes: ['t3.small'],
      securityGroupIds: [group.securityGroupId],
      subnetId: vpc.privateSubnets[0].subnetId,
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 },
    });
    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'AmiDistribution', {
      name: `${project}-application`,
      description: `${project}: application AMI, id published to ${this.amiParameterName}`,
      distributions: [{
        region: cdk.Aws.REGION,
        // A JSON property in the L1: CloudFormation's own (PascalCase) names.
        amiDistributionConfiguration: {
          Name: `${project}-application-{{ imagebuilder:buildDate }}`,
          Description: `${project} application layer`,
          AmiTags: { Layer: 'application', Project: project },
        },
        ssmParameterConfigurations: [{ dataType: 'aws:ec2:image', parameterName: this.amiParameterName }],
      }],
    });

    const awsComponent = (name) => cdk.Fn.sub(`arn:\${AWS::Partition}:imagebuilder:\${AWS::Region}:aws:component/${name}/x.x.x`);
    const layers = [
      {
        id: 'System',
        layer: 'system',
        parent: 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
        condition: 'EXPRESSION_MATCH_ONLY',
        components: [
          { aws: 'update-linux' },
          { id: 'Ssmagent', name: 'ssm-agent', description: 'SSM agent installed and enabled (Session Manager, no SSH)',
            commands: ['dnf install -y amazon-ssm-agent', 'systemctl enable amazon-ssm-agent'] },
          { aws: 'amazon-cloudwatch-agent-linux' },
          { id: 'Basetools', name: 'base-tools', description: 'Tools the boot script and operators use',
            commands: ['dnf install -y jq git tar gzip unzip'] },
        ],
      },
      {
        id: 'Middleware',
        layer: 'middleware',
        condition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
        components: [
          { id: 'Python', name: 'python',
            description: "The Python runtime and pip the application's virtual environment is built with",
            commands: ['dnf install -y python3.12 python3.12-pip', 'python3.12 -m venv --help >/dev/null'] },
        ],
      },
      {
        id: 'Application',
        layer: 'application',
        condition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
        distribution,
        components: [
          { id: 'Serviceuser', name: 'service-user',
            description: 'The system user the application runs as (no login, no home)',
            commands: ['id -u refarch >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /sbin/nologin refarch'] },
          { id: 'App', name: 'app',
            description: 'The application and its virtual environment (pinned requirements)',
            parameters: { ArchiveUri: 'S3 URI of the application archive (an asset of the assembly)' },
            arguments: [{ name: 'ArchiveUri', value: [asset.s3ObjectUrl] }],
            commands: appInstallCommands(asset.assetHash) },
        ],
      },
    ];

    const testing = { imageTestsEnabled: true, timeoutMinutes: 60 };
    let parentImage;
    for (const layer of layers) {
      const tags = { Layer: layer.layer, Project: project };
      const components = layer.components.map((comp) => {
        if (comp.aws) return { componentArn: awsComponent(comp.aws) };
        const data = componentData(comp.name, comp.description, comp.commands, comp.parameters);
        const component = new imagebuilder.CfnComponent(this, `Ami${layer.id}${comp.id}`, {
          name: `${project}-${layer.layer}-${comp.name}`,
          description: comp.description,
          platform: 'Linux',
          supportedOsVersions: ['Amazon Linux 2023'],
          version: contentVersion(data),
          data,
        });
        return { componentArn: component.attrArn, parameters: comp.arguments };
      });
      const recipe = new imagebuilder.CfnImageRecipe(this, `Ami${layer.id}Recipe`, {
        name: `${project}-${layer.layer}`,
        description: `${project}: ${layer.layer} layer`,
        version: contentVersion(layer.layer, layer.parent ?? 'parent', components.length),
        parentImage: layer.parent ?? parentImage,
        components,
        blockDeviceMappings: [{
          deviceName: '/dev/xvda',
          ebs: { deleteOnTermination: true, encrypted: true, volumeSize: 20, volumeType: 'gp3' },
        }],
        amiTags: tags,
      });
      const image = new imagebuilder.CfnImage(this, `Ami${layer.id}Image`, {
        imageRecipeArn: recipe.attrArn,
        infrastructureConfigurationArn: infrastructure.attrArn,
        enhancedImageMetadataEnabled: true,
        imageTestsConfiguration: testing,
        tags,
      });
      // Builds start once the group's rules exist.
      image.node.addDependency(group);
      new imagebuilder.CfnImagePipeline(this, `Ami${layer.id}Pipeline`, {
        name: `${project}-${layer.layer}`,
        description: `${project}: rebuilds the ${layer.layer} layer`,
        imageRecipeArn: recipe.attrArn,
        infrastructureConfigurationArn: infrastructure.attrArn,
        distributionConfigurationArn: layer.distribution?.attrArn,
        enhancedImageMetadataEnabled: true,
        imageTestsConfiguration: testing,
        schedule: { scheduleExpression: SCHEDULE, pipelineExecutionStartCondition: layer.condition },
        status: 'ENABLED',
      });
      parentImage = image.getAtt('LatestVersion.Patch').toString();
      this.applicationImage = image;
    }
    new ssm.StringParameter(this, 'AmiAmiParameter', {
      parameterName: this.amiParameterName,
      description: `${project}: application AMI id (deploy-time build; the application pipeline overwrites it on rebuilds)`,
      dataType: ssm.ParameterDataType.AWS_EC2_IMAGE,
      stringValue: this.applicationImage.attrImageId,
    });
  }
}

/** The application layer's install commands: fetch the archive, check it, build the venv. */
function appInstallCommands(sha256) {
  const src = '/var/tmp/app-source';
  return [
    `rm -rf ${src} && install -d -m 0700 ${src}`,
    `aws s3 cp --only-show-errors '{{ ArchiveUri }}' ${src}/app.zip`,
    `echo '${sha256}  ${src}/app.zip' | sha256sum --check --quiet -`,
    `unzip -q ${src}/app.zip -d ${src}/app`,
    `test -f ${src}/app/manage.py && test -f ${src}/app/requirements.txt`,
    'rm -rf /opt/refarch/app && install -d -m 0755 "$(dirname /opt/refarch/app)"',
    `cp -a ${src}/app /opt/refarch/app`,
    'chown -R root:root /opt/refarch/app && chmod -R u=rwX,go=rX /opt/refarch/app',
    'rm -rf /opt/refarch/venv && python3.12 -m venv /opt/refarch/venv',
    '/opt/refarch/venv/bin/python -m pip install --quiet --no-cache-dir --disable-pip-version-check -r /opt/refarch/app/requirements.txt',
    '/opt/refarch/venv/bin/python -m compileall -q /opt/refarch/app',
    'test -x /opt/refarch/venv/bin/gunicorn',
    `rm -rf ${src}`,
  ];
}

// ---------------------------------------------------------------- app

/** The instances' boot script: the env file and the systemd unit, then start the service. */
function bootCommands(c) {
  const file = (filePath, mode, body) => {
    const marker = `END_OF${filePath.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
    return [
      `install -d -m 0755 '${path.posix.dirname(filePath)}'`,
      `cat > '${filePath}' <<'${marker}'\n${body}${marker}`,
      `chown 'root:root' '${filePath}'`,
      `chmod ${mode} '${filePath}'`,
    ];
  };
  const unit = [
    '[Unit]',
    `Description=Sample application (gunicorn on port ${PORT})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    'User=refarch',
    'Group=refarch',
    'WorkingDirectory=/opt/refarch/app',
    'EnvironmentFile=/etc/refarch/app.env',
    `ExecStart=/opt/refarch/venv/bin/gunicorn --bind 0.0.0.0:${PORT} --workers 2 --access-logfile - --error-logfile - refarch_site.wsgi:application`,
    'Restart=on-failure',
    'RestartSec=5',
    'TimeoutStopSec=30',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  return [
    '# Never turn on xtrace: the files below hold settings, and traced values would reach the console log.',
    'set -euo pipefail',
    'umask 027',
    ...file('/etc/refarch/app.env', 640,
      `APP_PROFILE=cloud\nAPP_SETTINGS_PREFIX=${c.prefix}\nAWS_DEFAULT_REGION=${cdk.Aws.REGION}\n\n`),
    ...file('/etc/systemd/system/refarch-app.service', 644, unit),
    'systemctl enable --now amazon-ssm-agent',
    'systemctl daemon-reload',
    'systemctl enable --now refarch-app.service',
  ];
}

class AppStack extends cdk.Stack {
  constructor(scope, id, c, network, data, images) {
    super(scope, id, stackProps(c, 'Application: DNS sub-zone, HTTPS load balancer, auto-scaled workload'));
    const vpc = network.vpc;
    // The workload's AMI parameter is written by the images stack.
    this.addStackDependency(images);

    const zone = new route53.PublicHostedZone(this, 'Zone', {
      zoneName: c.zone,
      comment: `Sub-zone ${c.zone} (${id}/Zone)`,
    });
    const parent = route53.PublicHostedZone.fromHostedZoneAttributes(this, 'ParentZone', {
      hostedZoneId: PARENT_ZONE_ID,
      zoneName: PARENT_DOMAIN,
    });
    const delegation = new route53.ZoneDelegationRecord(this, 'ZoneDelegation', {
      zone: parent,
      recordName: c.zone,
      nameServers: zone.hostedZoneNameServers,
      ttl: cdk.Duration.seconds(60),
    });
    const certificate = new acm.Certificate(this, 'BalancerCertificate', {
      domainName: c.host,
      validation: acm.CertificateValidation.fromDns(zone),
      transparencyLoggingEnabled: true,
    });
    certificate.node.addDependency(delegation);

    const logsBucket = new s3.Bucket(this, 'BalancerAccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{
        id: 'expire-logs',
        expiration: cdk.Duration.days(365),
        noncurrentVersionExpiration: cdk.Duration.days(365),
        abortIncompleteMultipartUploadAfter: cdk.Duration.days(7),
      }],
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const balancerGroup = closedGroup(this, 'BalancerSecurityGroup', vpc,
      'Internet-facing load balancer: HTTPS (and HTTP redirect) from the internet');
    const balancer = new elbv2.ApplicationLoadBalancer(this, 'Balancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: balancerGroup,
      deletionProtection: true,
      dropInvalidHeaderFields: true,
      idleTimeout: cdk.Duration.seconds(60),
    });
    balancer.logAccessLogs(logsBucket, 'alb');
    const https = balancer.addListener('HttpsListener', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'text/plain',
        messageBody: 'Not Found',
      }),
    });
    balancer.addRedirect({ sourcePort: 80, targetPort: 443 });

    const workloadGroup = closedGroup(this, 'WorkloadSecurityGroup', vpc,
      'Workload instances: the app port from the load balancer only');
    workloadGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
      'HTTPS to AWS APIs and package mirrors through NAT');
    const role = new iam.Role(this, 'WorkloadInstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: "Workload instances: Session Manager and the app's own grants",
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'),
      ],
    });
    data.grantSettingsRead(role, c);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...bootCommands(c));
    const launchTemplate = new ec2.LaunchTemplate(this, 'WorkloadLaunchTemplate', {
      machineImage: ec2.MachineImage.fromSsmParameter(images.amiParameterName),
      instanceType: new ec2.InstanceType('t3.small'),
      securityGroup: workloadGroup,
      role,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 2,
      detailedMonitoring: true,
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.TERMINATE,
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(20, {
          encrypted: true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      }],
    });
    this.group = new autoscaling.AutoScalingGroup(this, 'WorkloadGroup', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: 2,
      maxCapacity: 4,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: cdk.Duration.seconds(300),
      }),
      defaultInstanceWarmup: cdk.Duration.seconds(300),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        minInstancesInService: 2,
        maxBatchSize: 1,
        pauseTime: cdk.Duration.minutes(5),
        suspendProcesses: [
          autoscaling.ScalingProcess.HEALTH_CHECK,
          autoscaling.ScalingProcess.REPLACE_UNHEALTHY,
          autoscaling.ScalingProcess.AZ_REBALANCE,
          autoscaling.ScalingProcess.ALARM_NOTIFICATION,
          autoscaling.ScalingProcess.SCHEDULED_ACTIONS,
        ],
      }),
    });
    this.group.scaleOnCpuUtilization('WorkloadCpuScaling', {
      targetUtilizationPercent: 50,
      estimatedInstanceWarmup: cdk.Duration.seconds(300),
    });
    https.addTargets('Workload', {
      port: PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.group],
      priority: 10,
      conditions: [elbv2.ListenerCondition.hostHeaders([c.host])],
      deregistrationDelay: cdk.Duration.seconds(30),
      slowStart: cdk.Duration.seconds(30),
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN,
      healthCheck: {
        path: HEALTH_PATH,
        port: String(PORT),
        protocol: elbv2.Protocol.HTTP,
        interval: cdk.Duration.seconds(30),
        timeout: cdk.Duration.seconds(5),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 3,
        healthyHttpCodes: '200',
      },
    });
    // From the consumer's side, so that CDK puts both rules in this stack (no cycle with data).
    workloadGroup.connections.allowToDefaultPort(data.cluster, 'The workload reaches the database');
    network.allowEndpoints(workloadGroup);

    new route53.ARecord(this, 'Alias1', {
      zone,
      recordName: c.host,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(balancer)),
    });
    new cdk.CfnOutput(this, 'Url', { value: `https://${c.host}/`, description: "The application's address" });
  }
}

// ---------------------------------------------------------------- delivery

class DeliveryStack extends cdk.Stack {
  constructor(scope, id, c, network, data, web) {
    super(scope, id, stackProps(c, 'Delivery: database migrations pipeline'));
    const vpc = network.vpc;
    const key = new kms.Key(this, 'MigrationsKey', {
      description: "Encrypts the migration pipeline's artifacts and build logs",
      enableKeyRotation: true,
      pendingWindow: cdk.Duration.days(30),
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${REGION}.amazonaws.com`));
    const artifacts = new s3.Bucket(this, 'MigrationsArtifactBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const logGroup = new logs.LogGroup(this, 'MigrationsLogs', {
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const group = closedGroup(this, 'MigrationsSecurityGroup', vpc,
      'Migration builds: to the database on its port and HTTPS out');
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to package mirrors and AWS APIs');
    group.connections.allowToDefaultPort(data.cluster, 'Migrations to the database');
    network.allowEndpoints(group);

    const asset = appAsset(this);
    const environment = {
      buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
      computeType: codebuild.ComputeType.SMALL,
      privileged: false,
    };
    const plain = (value) => ({ type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value });
    const parameter = (name) => ({ type: codebuild.BuildEnvironmentVariableType.PARAMETER_STORE, value: `${c.prefix}/${name}` });
    const secret = (value) => ({ type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value });
    const dbSecret = data.databaseSecret.secretArn;
    const migrate = new codebuild.PipelineProject(this, 'MigrationsMigrate', {
      description: "Runs the application's database migrations",
      environment,
      environmentVariables: {
        APP_PROFILE: plain('cloud'),
        APP_SETTINGS_PREFIX: plain(c.prefix),
        SECRET_KEY: secret(data.secretKey.secretArn),
        DEBUG: parameter('DEBUG'),
        ALLOWED_HOSTS: parameter('ALLOWED_HOSTS'),
        DATABASE_ENGINE: parameter('DATABASE_ENGINE'),
        DATABASE_HOST: parameter('DATABASE_HOST'),
        DATABASE_PORT: parameter('DATABASE_PORT'),
        DATABASE_NAME: parameter('DATABASE_NAME'),
        DATABASE_SSL_MODE: parameter('DATABASE_SSL_MODE'),
        DATABASE_SECRET_ARN: parameter('DATABASE_SECRET_ARN'),
        DATABASE_USER: secret(`${dbSecret}:username`),
        DATABASE_PASSWORD: secret(`${dbSecret}:password`),
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          install: {
            'runtime-versions': { python: '3.12' },
            commands: ['python -m pip install -r requirements.txt'],
          },
          build: { commands: ['python manage.py migrate --noinput'] },
        },
      }),
      vpc,
      subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [group],
      encryptionKey: key,
      logging: { cloudWatch: { logGroup, prefix: 'migrate' } },
      timeout: cdk.Duration.minutes(15),
    });
    data.grantSettingsRead(migrate.role, c);

    const rollout = new codebuild.PipelineProject(this, 'MigrationsRollout', {
      description: 'Starts an instance refresh of the workload',
      environment,
      environmentVariables: { ASG_NAME: plain(web.group.autoScalingGroupName) },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: ['aws autoscaling start-instance-refresh --auto-scaling-group-name "$ASG_NAME" --preferences MinHealthyPercentage=90,InstanceWarmup=300'],
          },
        },
      }),
      encryptionKey: key,
      logging: { cloudWatch: { logGroup, prefix: 'rollout' } },
      timeout: cdk.Duration.minutes(10),
    });
    rollout.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:StartInstanceRefresh'],
      resources: [this.formatArn({
        service: 'autoscaling',
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${web.group.autoScalingGroupName}`,
        arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
      })],
    }));

    const source = new codepipeline.Artifact('Source');
    const pipeline = new codepipeline.Pipeline(this, 'MigrationsPipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: artifacts,
      restartExecutionOnUpdate: false,
      stages: [
        {
          stageName: 'Source',
          actions: [new actions.S3SourceAction({
            actionName: 'Source',
            bucket: asset.bucket,
            bucketKey: asset.s3ObjectKey,
            trigger: actions.S3Trigger.NONE,
            output: source,
          })],
        },
        {
          stageName: 'Migrate',
          actions: [new actions.CodeBuildAction({ actionName: 'Migrate', project: migrate, input: source })],
        },
        {
          stageName: 'Approve',
          actions: [new actions.ManualApprovalAction({
            actionName: 'Approve',
            additionalInformation: 'Migrations ran against the database; approve to roll the workload.',
          })],
        },
        {
          stageName: 'Rollout',
          actions: [new actions.CodeBuildAction({ actionName: 'InstanceRefresh', project: rollout, input: source })],
        },
      ],
    });

    new cdk.CfnOutput(this, 'SourceObject', {
      value: asset.s3ObjectUrl,
      description: 'The application archive the pipeline migrates from',
    });
    new cdk.CfnOutput(this, 'PipelineName', {
      value: pipeline.pipelineName,
      description: 'Runs migrations, then rolls the workload',
    });
  }
}

// ---------------------------------------------------------------- the app

/** Adds the five stacks of one copy of the architecture to `app`. */
function addCopy(app, c) {
  const name = (part) => `${c.app}-${c.environment}-${part}`;
  const network = new NetworkStack(app, name('network'), c);
  const data = new DataStack(app, name('data'), c, network);
  const images = new ImagesStack(app, name('images'), c, network);
  const web = new AppStack(app, name('app'), c, network, data, images);
  new DeliveryStack(app, name('delivery'), c, network, data, web);
}

/** COPIES from the environment: unset for the default app, else 1..=999 copies e000, e001, ... */
function copiesFromEnv() {
  const raw = process.env.COPIES;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 999) {
    throw new Error(`COPIES takes 1 to 999, not ${JSON.stringify(raw)}`);
  }
  return n;
}

function main() {
  let copies;
  try {
    copies = copiesFromEnv();
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  const started = process.hrtime.bigint();
  const app = new cdk.App({
    outdir: process.env.CDK_OUTDIR || path.join(__dirname, 'cdk.out'),
    // What `cdk.context.json` holds after the one lookup a VPC needs; given here so that synth
    // looks nothing up.
    context: {
      [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: [
        'us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f',
      ],
    },
  });
  if (copies === undefined) {
    addCopy(app, copyConfig());
  } else {
    for (let i = 0; i < copies; i++) addCopy(app, copyConfig(i));
  }
  const built = process.hrtime.bigint();
  const assembly = app.synth();
  const done = process.hrtime.bigint();
  const ms = (a, b) => Number(b - a) / 1e6;
  let resources = 0;
  for (const stack of assembly.stacks) resources += Object.keys(stack.template.Resources ?? {}).length;
  process.stderr.write(
    `cdk: ${assembly.stacks.length} stacks, ${resources} resources; `
    + `build ${ms(started, built).toFixed(1)} ms, synth ${ms(built, done).toFixed(1)} ms\n`,
  );
  if (assembly.manifest.missing?.length) {
    process.stderr.write(`error: synth needed context lookups: ${JSON.stringify(assembly.manifest.missing)}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
