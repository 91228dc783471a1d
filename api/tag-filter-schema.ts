/** One CodeDeploy tag filter as the REST API takes it: a group's instance filters, a blue/green pool's. */
import * as z from 'zod';

export const TagFilterBody = z
  .strictObject({
    key: z.string().min(1).max(128).optional(),
    value: z.string().max(256).optional(),
    type: z.enum(['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE']).optional(),
  })
  .refine((f) => f.key !== undefined || f.value !== undefined, 'a tag filter needs a key or a value');
