export { eventually } from './eventually';
export { uniqueName } from './unique';
export { testNhsNumber, nextTestNhsNumber } from './nhs-numbers';
export { requestJson, type JsonResponse } from './http';
