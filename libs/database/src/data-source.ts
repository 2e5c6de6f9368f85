import 'reflect-metadata';
import { loadDotEnv } from '@app/config';
import { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_URL, dataSourceOptions } from './data-source.options';

loadDotEnv(); // as the service's entry points do

/** For the typeorm CLI (`npm run migration:revert`); the service itself builds its data source in DatabaseModule. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL || DEFAULT_DATABASE_URL));
