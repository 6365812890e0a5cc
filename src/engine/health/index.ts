export { evaluateHealth, healthComponentOf, HEALTH_COMPONENTS, type ComponentHealth, type ComponentMetrics, type HealthNote, type HealthReport, type HealthStatus } from './evaluate';
export { healthThresholdsSchema, DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholdsSchema';
