/*
 * sprig.h: the sprig v3.3.0 text function map for templates.
 */
#ifndef RN_SPRIG_H
#define RN_SPRIG_H

struct tpl_funcs;

/* Add every sprig TxtFuncMap function (about 200 names and aliases) except
 * env and expandenv, which stay undefined as upstream has them. */
int sprig_register(struct tpl_funcs *f);

#endif
