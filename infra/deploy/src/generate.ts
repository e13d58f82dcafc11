import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CHART_DATA_FILE, chartDataText } from './chart-data';

/** `npm run deploy:generate`: the Helm chart's Kafka topics and users, from the code. */
mkdirSync(dirname(CHART_DATA_FILE), { recursive: true });
writeFileSync(CHART_DATA_FILE, chartDataText());
console.log(`wrote ${CHART_DATA_FILE}`);
