/** Injection token of the validated {@link SampleConfig}. */
export const SAMPLE_CONFIG = 'SAMPLE_CONFIG';
