// Prepares a running emulator the way a platform team prepares a subscription: creates the target resource
// group through the Azure SDK. Reads the connection JSON the emulator printed (`npm run emulator -- --port 0`,
// first line of stdout) from a file, and trusts the emulator's CA from its caCertPath.
//
//   npx tsx scripts/emulator-seed.ts --connection emulator.json --group rg-images --location eastus
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createResourceGroup, type EmulatorConnection } from '../test/integration/target-group.js';

const { values } = parseArgs({
  options: {
    connection: { type: 'string' },
    group: { type: 'string' },
    location: { type: 'string', default: 'eastus' },
  },
});
if (!values.connection || !values.group) {
  console.error(
    'Usage: npx tsx scripts/emulator-seed.ts --connection <file with the emulator JSON line> --group <name> [--location eastus]',
  );
  process.exit(2);
}
const firstLine = readFileSync(values.connection, 'utf8').split('\n')[0];
const info = JSON.parse(firstLine) as EmulatorConnection & { caCertPath: string };
await createResourceGroup(
  { ...info, caCert: readFileSync(info.caCertPath, 'utf8') },
  values.group,
  values.location,
);
console.log(
  `Created resource group ${values.group} in ${values.location} (subscription ${info.subscriptionId})`,
);
