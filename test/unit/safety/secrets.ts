/**
 * Planted secrets: one sample per token shape (made up, but of the real shape), each in the text
 * a tool would print around it. The safety tests plant them in task output, env and commands and
 * grep every file Rebound writes for them.
 */
export interface PlantedSecret {
  shape: string;
  /** The text as printed. */
  text: string;
  /** The part that must never be stored. */
  secret: string;
}

const rep = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

function planted(shape: string, secret: string, text = `found ${secret} here`): PlantedSecret {
  return { shape, text: text.includes(secret) ? text : `${text} ${secret}`, secret };
}

const AWS_ID = 'AKIAZ7QPLANTED4EXAMP';
const AWS_SECRET = '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';

export const PLANTED_SECRETS: PlantedSecret[] = [
  planted('AWS access key id', AWS_ID, `aws: using access key ${AWS_ID}`),
  planted('AWS secret access key (beside its id)', AWS_SECRET, `aws_access_key_id ${AWS_ID} secret ${AWS_SECRET}`),
  planted('AWS secret access key (credentials file)', 'Zk3PLANTEDq9/7f+Q2sW1xYvBn0aLmKoIuHtGrEd', 'aws_secret_access_key = Zk3PLANTEDq9/7f+Q2sW1xYvBn0aLmKoIuHtGrEd'),
  planted('AWS temporary key id', 'ASIAPLANTED7EXAMPLE2', 'key ASIAPLANTED7EXAMPLE2 expired'),
  planted('Stripe live secret key', `sk_live_${rep('51PlAnTeD', 40)}`, `Stripe error for sk_live_${rep('51PlAnTeD', 40)}: invalid`),
  planted('Stripe restricted live key', `rk_live_${rep('4eC39HqPlAnT', 30)}`),
  planted('Stripe test key', `sk_test_${rep('4eC39HqLyjWD', 24)}`),
  planted('Stripe webhook secret', `whsec_${rep('PlAnTeD0123', 32)}`),
  planted('Slack bot token', 'xoxb-2345678901-2345678901234-PLANTEDslackBOTtoken'),
  planted('Slack user token', 'xoxp-2345678901-2345678901-2345678901234-0a1b2c3d4e5f6a7b8c9d'),
  planted('Slack app token', 'xapp-1-A0PLANTED1-2345678901234-abcdef0123456789'),
  planted('Slack webhook URL', 'PLANTEDhookSECRET0123456', 'POST https://hooks.slack.com/services/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 failed'),
  planted('GitHub personal access token', `ghp_${rep('PlAnTeD0gh1', 36)}`, `remote: Invalid username or token ghp_${rep('PlAnTeD0gh1', 36)}`),
  planted('GitHub OAuth token', `gho_${rep('PlAnTeD0gh2', 36)}`),
  planted('GitHub app token', `ghs_${rep('PlAnTeD0gh3', 36)}`),
  planted('GitHub fine-grained token', `github_pat_11${rep('PLANTED0x', 20)}_${rep('pLaNtEd9', 59)}`),
  planted('GitLab personal token', `glpat-${rep('PlAnTeD-x_', 20)}`),
  planted('GitLab deploy token', `gldt-${rep('PlAnTeDdeploy', 20)}`),
  planted('GitLab runner token', `glrt-${rep('PlAnTeDrunner', 20)}`),
  planted('npm token', `npm_${rep('PlAnTeDnpm012', 36)}`, `//registry.npmjs.org/:_authToken=npm_${rep('PlAnTeDnpm012', 36)}`),
  planted('npm token in .npmrc', `npm_${rep('Q9PlAnT', 36)}`, `npm ERR! 401 with npm_${rep('Q9PlAnT', 36)}`),
  planted('Google API key', `AIza${rep('SyPLANTED-_gk', 35)}`),
  planted('Google OAuth client secret', `GOCSPX-${rep('PlAnTeDgcp', 28)}`),
  planted('Google OAuth access token', `ya29.${rep('a0PlAnTeD_ya', 60)}`),
  planted('JWT', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJQTEFOVEVEIn0.c2lnbmF0dXJlUExBTlRFRDAxMjM0NTY', 'cookie jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJQTEFOVEVEIn0.c2lnbmF0dXJlUExBTlRFRDAxMjM0NTY;'),
  planted('URL credentials', 'pl4ntedUrlPw', 'fatal: unable to access https://deploy:pl4ntedUrlPw@git.example.com/repo.git'),
  planted('Database URL credentials', 'pl4ntedPgPw', 'connect postgres://app:pl4ntedPgPw@127.0.0.1:5432/orders'),
  planted('Bearer header', 'PLANTEDbearerToken0123456789', 'Authorization: Bearer PLANTEDbearerToken0123456789'),
  planted('Basic auth', 'UExBTlRFRDpwYXNzd29yZA==', 'curl -H "Proxy-Authorization: Basic UExBTlRFRDpwYXNzd29yZA=="'),
  planted('Password flag', 'pl4nted-flag-pw', 'mysql --password=pl4nted-flag-pw -u root'),
  planted('Token flag (space)', 'pl4nted-flag-tok', 'deploy --api-token pl4nted-flag-tok --verbose'),
  planted('Secret assignment', 'pl4nted-assign', 'CLIENT_SECRET=pl4nted-assign ./run.sh'),
  planted('JSON secret', 'pl4nted-json', '{"password": "pl4nted-json", "user": "bob"}'),
  planted('OpenAI key', `sk-proj-${rep('PlAnTeDoai0', 48)}`),
  planted('Anthropic key', `sk-ant-api03-${rep('PlAnTeDant_', 60)}`),
  planted('SendGrid key', `SG.${rep('PlAnTeDsg', 22)}.${rep('PlAnTeDsg2', 43)}`),
  planted('Mailgun key', `key-${rep('0123456789abcdef', 32)}`),
  planted('Twilio API key', `SK${rep('0123456789abcdef', 32)}`),
  planted('Docker Hub token', `dckr_pat_${rep('PlAnTeDdkr', 27)}`),
  planted('PyPI token', `pypi-AgEIcHlwaS5vcmc${rep('PlAnTeDpypi', 50)}`),
  planted('Shopify token', `shpat_${rep('0123456789abcdef', 32)}`),
  planted('DigitalOcean token', `dop_v1_${rep('0123456789abcdef', 64)}`),
  planted('Hugging Face token', `hf_${rep('PlAnTeDhf', 34)}`),
  planted('Databricks token', `dapi${rep('0123456789abcdef', 32)}`),
  planted('Square token', `sq0atp-${rep('PlAnTeDsq', 22)}`),
  planted('Atlassian token', `ATATT3x${rep('PlAnTeDat', 40)}`),
  planted('Postman key', `PMAK-${rep('0123456789abcdef', 24)}-${rep('0123456789abcdef', 34)}`),
  planted('Linear key', `lin_api_${rep('PlAnTeDlin', 40)}`),
  planted('age secret key', `AGE-SECRET-KEY-1${rep('QPLANTED0AGE', 58)}`),
  planted('New Relic key', `NRAK-${rep('PLANTED0NR', 27)}`),
  planted('Vault token', `hvs.${rep('PlAnTeDvault', 90)}`),
  planted('Telegram bot token', `1234567890:AA${rep('PlAnTeDtg_', 33)}`),
  planted('Discord webhook', rep('PlAnTeDdiscord', 68), `https://discord.com/api/webhooks/123456789012345678/${rep('PlAnTeDdiscord', 68)}`),
  planted('Cookie header', 'sess-PLANTED-0123456789', 'Cookie: sid=sess-PLANTED-0123456789'),
];

/** The body lines of a (made up) RSA private key, BEGIN and END included. */
export const PRIVATE_KEY_BODY: string[] = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAplantedKEYbodyLINEone0123456789abcdefABCDEFGHIJKLMN',
  'PLANTEDkeyBODYlineTWO0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHI',
  'QRSTUVWXYZplantedKEYbodyLINEthree0123456789abcdefghijklmnopqrstuvw',
  'xyzPLANTEDlastLINE0123456789ab==',
  '-----END RSA PRIVATE KEY-----',
];

export const PRIVATE_KEY_PEM = PRIVATE_KEY_BODY.join('\n');
