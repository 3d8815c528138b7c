import {
  DataTypes,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

export interface TodoRecord extends Model<InferAttributes<TodoRecord>, InferCreationAttributes<TodoRecord>> {
  id: CreationOptional<number>;
  title: string;
  completed: CreationOptional<boolean>;
  createdAt: CreationOptional<Date>;
  updatedAt: CreationOptional<Date>;
}

export type TodoModel = ModelStatic<TodoRecord>;

/**
 * Maps the table the migrations create; the schema is owned by migrations,
 * never by sync(). Defined per Sequelize instance, so nothing is global.
 */
export function defineTodoModel(sequelize: Sequelize): TodoModel {
  return sequelize.define<TodoRecord>(
    'Todo',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      title: { type: DataTypes.STRING(200), allowNull: false },
      completed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { tableName: 'todos', underscored: true },
  );
}
