/** Secrets as they appear in real output, each with the secret part that must disappear. */
export const SECRET_SAMPLES: Array<[text: string, secret: string]> = [
  ['GET https://deploy:Hunter2Secret@registry.example.com/pkg failed', 'Hunter2Secret'],
  ['Authorization: Bearer abcDEF123456.ghiJKL7890', 'abcDEF123456.ghiJKL7890'],
  ['proxy-authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
  ['export GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB'],
  ['DB_PASSWORD=s3cr3t-pa55 npm run migrate', 's3cr3t-pa55'],
  ['config: {"client_secret": "shh-its-a-secret", "user": "bob"}', 'shh-its-a-secret'],
  ["api_key: 'k-98765-xyz'", 'k-98765-xyz'],
  ['mytool --token=tok_abcdef123 --verbose', 'tok_abcdef123'],
  ['mytool --password hunter22 --verbose', 'hunter22'],
  ['AWS key AKIAIOSFODNN7EXAMPLE leaked', 'AKIAIOSFODNN7EXAMPLE'],
  ['slack xoxb-123456789012-abcdefghijkl', 'xoxb-123456789012-abcdefghijkl'],
  ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxyz\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAxyz'],
  ['Cookie: session=abcdef0123456789', 'abcdef0123456789'],
  ['STRIPE_SECRET_KEY=sk_live_abcdefghijklmnop1234', 'sk_live_abcdefghijklmnop1234'],
];
