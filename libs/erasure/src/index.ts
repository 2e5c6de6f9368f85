export * from './erasure.module';
export * from './personal-data-erasure.service';
export { PERSONAL_FIELDS } from './erasure.statements';
