// k6 entry: the stress shape (see lib/shapes.ts). Run with `npm run load:stress`.
import { k6Script } from './k6/script.ts';

const script = k6Script('stress');
export const options = script.options;
export const setup = script.setup;
export const userFlow = script.userFlow;
export const chaosFlow = script.chaosFlow;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
// Runs only when --vus/--duration/--iterations/--stages replaced the scenarios: it aborts.
export default script.replacedScenarios;
